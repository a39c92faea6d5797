//! A SIP peer on a UDP port of 127.0.0.1 for the reachability tests and
//! `ori-bench monitor`: it counts the requests it gets (by Call-ID) and
//! answers 200 OK, echoing the transaction's headers, only while `answering`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::UdpSocket;

pub struct Peer {
    pub port: u16,
    /// Whether it answers; a silent peer is a carrier that stopped answering.
    pub answering: Arc<AtomicBool>,
    calls: Arc<Mutex<HashSet<String>>>,
}

impl Peer {
    pub async fn start(answering: bool) -> std::io::Result<Self> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let port = socket.local_addr()?.port();
        let answering = Arc::new(AtomicBool::new(answering));
        let calls = Arc::new(Mutex::new(HashSet::new()));
        let (flag, seen) = (answering.clone(), calls.clone());
        tokio::spawn(async move {
            let mut buf = vec![0_u8; 65536];
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let header = |name: &str| {
                    request
                        .lines()
                        .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
                        .map(str::to_owned)
                };
                if let (Some(call), Ok(mut seen)) = (header("call-id"), seen.lock()) {
                    seen.insert(call);
                }
                if !flag.load(Ordering::SeqCst) {
                    continue;
                }
                let mut answer = String::from("SIP/2.0 200 OK\r\n");
                for name in ["via", "from", "to", "call-id", "cseq"] {
                    if let Some(line) = header(name) {
                        answer.push_str(&line);
                        answer.push_str("\r\n");
                    }
                }
                answer.push_str("Server: test-peer\r\nContent-Length: 0\r\n\r\n");
                let _ = socket.send_to(answer.as_bytes(), from).await;
            }
        });
        Ok(Self {
            port,
            answering,
            calls,
        })
    }

    /// The requests it got so far (distinct Call-IDs: a retransmission is one).
    pub fn probes(&self) -> usize {
        self.calls.lock().map_or(0, |c| c.len())
    }
}
