"""A pyzmq peer driven line by line by the Rust interop tests.

The Rust side (interop/src/pyzmq.rs) starts this script with the venv's
Python, writes one command per line on its stdin and reads exactly one reply
line per command on its stdout:

    ok [WORD ...]        the command worked (some commands return words)
    msg FRAME ...        `recv`: the frames of one message
    err NAME [DETAIL]    it failed: NAME is the errno name (EAGAIN, EFSM,
                         EHOSTUNREACH, ...) or a Python exception name

A frame (and every byte string argument) is written as `x` followed by its
bytes in hex: `x` alone is the empty frame, `x6869` is b"hi".

Commands (NAME is a socket name chosen by the caller):

    version                     ok PYZMQ_VERSION LIBZMQ_VERSION CURVE(0|1)
    socket NAME TYPE            a socket of zmq.TYPE (PAIR, PUB, ROUTER, ...),
                                linger 0, send/receive timeouts of --timeout-ms
    set NAME OPTION VALUE       setsockopt(zmq.OPTION, VALUE); VALUE is an
                                integer or a hex byte string
    bind NAME ENDPOINT          ok LAST_ENDPOINT
    connect NAME ENDPOINT
    send NAME FRAME ...         send_multipart (blocks up to the timeout)
    recv NAME                   msg FRAME ... (blocks up to the timeout)
    close NAME
    keypair                     ok PUBLIC SECRET (zmq.curve_keypair(), Z85)
    public SECRET               ok PUBLIC (zmq.curve_public, Z85)
    auth plain USER PASSWORD    a ZAP handler accepting this user only
    auth curve PUBLIC ...       a ZAP handler accepting these client keys
    proxy FRONT BACK            zmq.proxy_steerable(FRONT, BACK) in a thread;
                                FRONT and BACK are its sockets from now on
    quit                        ok, then stops the proxies and the context

The process never outlives --max-seconds (SIGALRM), and it stops at the end
of its input.
"""

import argparse
import binascii
import signal
import sys
import threading

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator


class Failure(Exception):
    """A command that failed for a reason the caller should see."""


def decode(word):
    if not word.startswith("x"):
        raise Failure("EINVAL", "byte strings are written x<hex>: %r" % word)
    return binascii.unhexlify(word[1:])


def encode(data):
    return "x" + binascii.hexlify(data).decode()


def errno_name(number):
    try:
        return zmq.Errno(number).name
    except ValueError:
        return str(number)


class CurveKeys:
    """ZAP credentials provider: the allowed CURVE client keys."""

    def __init__(self, allowed):
        self.allowed = set(allowed)

    def callback(self, domain, key):
        return key in self.allowed


class Peer:
    def __init__(self, timeout_ms):
        self.ctx = zmq.Context()
        self.timeout_ms = timeout_ms
        self.sockets = {}
        self.proxies = []
        self.auth = None

    def socket(self, name):
        try:
            return self.sockets[name]
        except KeyError:
            raise Failure("ENOENT", "no socket named %r" % name)

    def cmd_version(self):
        curve = 1 if zmq.has("curve") else 0
        return ["ok", zmq.pyzmq_version(), zmq.zmq_version(), str(curve)]

    def cmd_socket(self, name, kind):
        if name in self.sockets:
            raise Failure("EEXIST", "socket %r exists" % name)
        s = self.ctx.socket(getattr(zmq, kind))
        s.linger = 0
        s.sndtimeo = self.timeout_ms
        s.rcvtimeo = self.timeout_ms
        self.sockets[name] = s
        return ["ok"]

    def cmd_set(self, name, option, value):
        if value.startswith("x"):
            value = decode(value)
        else:
            value = int(value)
        self.socket(name).setsockopt(getattr(zmq, option), value)
        return ["ok"]

    def cmd_bind(self, name, endpoint):
        s = self.socket(name)
        s.bind(endpoint)
        return ["ok", s.getsockopt_string(zmq.LAST_ENDPOINT)]

    def cmd_connect(self, name, endpoint):
        self.socket(name).connect(endpoint)
        return ["ok"]

    def cmd_send(self, name, *frames):
        self.socket(name).send_multipart([decode(f) for f in frames])
        return ["ok"]

    def cmd_recv(self, name):
        frames = self.socket(name).recv_multipart()
        return ["msg"] + [encode(f) for f in frames]

    def cmd_close(self, name):
        self.socket(name).close()
        del self.sockets[name]
        return ["ok"]

    def cmd_keypair(self):
        public, secret = zmq.curve_keypair()
        return ["ok", public.decode(), secret.decode()]

    def cmd_public(self, secret):
        return ["ok", zmq.curve_public(secret.encode()).decode()]

    def cmd_auth(self, mechanism, *args):
        if self.auth is None:
            self.auth = ThreadAuthenticator(self.ctx)
            self.auth.start()
        if mechanism == "plain" and len(args) == 2:
            self.auth.configure_plain(domain="*", passwords={args[0]: args[1]})
        elif mechanism == "curve":
            self.auth.configure_curve_callback(
                domain="*", credentials_provider=CurveKeys(a.encode() for a in args)
            )
        else:
            raise Failure("EINVAL", "auth plain USER PASSWORD | auth curve KEY...")
        return ["ok"]

    def cmd_proxy(self, front, back):
        frontend, backend = self.socket(front), self.socket(back)
        del self.sockets[front], self.sockets[back]
        endpoint = "inproc://proxy-control-%d" % len(self.proxies)
        control = self.ctx.socket(zmq.PAIR)
        control.bind(endpoint)
        steer = self.ctx.socket(zmq.PAIR)
        steer.connect(endpoint)

        def run():
            try:
                zmq.proxy_steerable(frontend, backend, None, steer)
            finally:
                for s in (frontend, backend, steer):
                    s.close(linger=0)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.proxies.append((control, thread))
        return ["ok"]

    def stop(self):
        for control, thread in self.proxies:
            control.send(b"TERMINATE")
            thread.join(self.timeout_ms / 1000)
            control.close(linger=0)
        for s in self.sockets.values():
            s.close(linger=0)
        if self.auth is not None:
            self.auth.stop()
        self.ctx.term()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout-ms", type=int, default=10000)
    parser.add_argument("--max-seconds", type=int, default=120)
    args = parser.parse_args()
    # Never outlive the test, even if it forgot us.
    signal.alarm(args.max_seconds)

    peer = Peer(args.timeout_ms)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            peer.stop()
            print("ok", flush=True)
            return
        handler = getattr(peer, "cmd_" + words[0], None)
        try:
            if handler is None:
                raise Failure("EINVAL", "unknown command %r" % words[0])
            reply = handler(*words[1:])
        except Failure as e:
            reply = ["err"] + [str(a).replace(" ", "_") for a in e.args]
        except zmq.ZMQError as e:
            reply = ["err", errno_name(e.errno), str(e).replace(" ", "_")]
        except (TypeError, ValueError, AttributeError, binascii.Error) as e:
            reply = ["err", type(e).__name__, str(e).replace(" ", "_")]
        print(" ".join(reply), flush=True)
    peer.stop()


if __name__ == "__main__":
    main()
