//! PUSH and PULL (RFC 30, the pipeline pattern).

use super::classic_socket;
use super::multipart::{RecvMultipart, SendMultipart};
use super::traits::{RecvMsg, SendMsg};
use zmtp::SocketType;

classic_socket!(
    /// The sending end of a pipeline: messages are round-robined over the
    /// connected [`Pull`]s whose queue has room. With no peer, or every
    /// peer full, `send` blocks (`try_send` gives `WouldBlock`); nothing is
    /// dropped.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr: TcpAddr = "127.0.0.1:*".try_into()?;
    /// let pull = PullBuilder::new()
    ///     .bind(addr)
    ///     .recv_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// let push = PushBuilder::new().connect(pull.last_endpoint()?).build()?;
    ///
    /// push.send("task 1")?;
    /// assert_eq!(pull.recv_msg()?.to_str()?, "task 1");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Push, PushConfig, PushBuilder, SocketType::Push,
    groups: [send, heartbeat],
    traits: [SendMsg, SendMultipart]
);

classic_socket!(
    /// The receiving end of a pipeline: messages from the connected
    /// [`Push`]es are fair-queued, one message per peer in turn.
    ///
    /// ```
    /// use libzmq::{prelude::*, *};
    /// use std::time::Duration;
    ///
    /// let addr = InprocAddr::new_unique();
    /// let pull = PullBuilder::new()
    ///     .bind(&addr)
    ///     .recv_timeout(Duration::from_secs(1))
    ///     .build()?;
    /// let push = PushBuilder::new().connect(&addr).build()?;
    ///
    /// push.send_multipart(["id", "payload"])?;
    /// assert_eq!(pull.recv_multipart()?[1].to_str()?, "payload");
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    Pull, PullConfig, PullBuilder, SocketType::Pull,
    groups: [recv, heartbeat],
    traits: [RecvMsg, RecvMultipart]
);

super::conflate_option!(Push, Pull);
