//! The `zmq` binary: see `libzmq_cli::app`.

fn main() -> std::process::ExitCode {
    libzmq_cli::app::main()
}
