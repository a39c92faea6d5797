//! A real SIP server for the probe tests: Debian's kamailio, on 127.0.0.1,
//! with UDP, TCP and TLS listeners on free ports (three different numbers,
//! so a test can put a silent UDP socket on the TCP port), answering
//! `OPTIONS` with 200 OK and everything else with 403. Its TLS certificate is
//! self-signed and made at start; it is killed, with its children, on drop.

use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;

pub const KAMAILIO: &str = "/usr/sbin/kamailio";
/// Where Debian's kamailio and kamailio-tls-modules put the modules.
pub const MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";
/// kamailio's `Server` header in its answers.
pub const SERVER_HEADER: &str = "ori-test-kamailio";
/// How long kamailio may take to listen (a few hundred ms when idle).
const STARTUP_WAIT: Duration = Duration::from_secs(20);

pub struct Kamailio {
    pub udp: u16,
    pub tcp: u16,
    pub tls: u16,
    /// The TLS listener's certificate, to trust in the probe.
    pub cert: CertificateDer<'static>,
    child: Child,
    dir: tempfile::TempDir,
}

/// Fails the test, loudly, when kamailio is not installed: CI installs it.
pub fn require_kamailio() {
    let mut missing = Vec::new();
    if !Path::new(KAMAILIO).exists() {
        missing.push("kamailio");
    }
    if !Path::new(MODULES).join("tls.so").exists() {
        missing.push("kamailio-tls-modules");
    }
    assert!(
        missing.is_empty(),
        "the SIP probe tests need Debian's kamailio ({KAMAILIO}) and its TLS module \
         ({MODULES}/tls.so); missing packages: {missing:?}. Run scripts/install-tools.sh \
         --browser (or apt-get install kamailio kamailio-tls-modules)"
    );
}

/// A port free for both TCP and UDP on 127.0.0.1 (the OS chose it a moment
/// ago; kamailio failing to bind it is retried with new ports).
fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind a TCP port");
        let port = tcp.local_addr().expect("local address").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn config(udp: u16, tcp: u16, tls: u16, dir: &Path) -> String {
    let tls_cfg = dir.join("tls.cfg");
    format!(
        r#"#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
enable_tls=yes
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:{udp}
listen=tcp:127.0.0.1:{tcp}
listen=tls:127.0.0.1:{tls}
server_header="Server: {SERVER_HEADER}"
user_agent_header="User-Agent: {SERVER_HEADER}"

mpath="{MODULES}/"
loadmodule "sl.so"
loadmodule "tls.so"
modparam("tls", "config", "{tls_cfg}")

request_route {{
    if (method == "OPTIONS") {{
        sl_send_reply("200", "OK");
        exit;
    }}
    sl_send_reply("403", "Forbidden");
}}
"#,
        tls_cfg = tls_cfg.display()
    )
}

fn tls_config(dir: &Path) -> String {
    format!(
        "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n\
         certificate = {cert}\nprivate_key = {key}\n\n\
         [client:default]\nverify_certificate = no\nrequire_certificate = no\n",
        cert = dir.join("cert.pem").display(),
        key = dir.join("key.pem").display()
    )
}

impl Kamailio {
    /// Starts kamailio with a certificate for `localhost`.
    pub fn start() -> Self {
        Self::start_with_cert_for(&["localhost"])
    }

    /// Starts kamailio whose TLS certificate names `names`.
    pub fn start_with_cert_for(names: &[&str]) -> Self {
        require_kamailio();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(names).expect("make a certificate");
        let mut last_log = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::write(dir.path().join("cert.pem"), cert.pem()).expect("write cert");
            std::fs::write(dir.path().join("key.pem"), signing_key.serialize_pem())
                .expect("write key");
            std::fs::write(dir.path().join("tls.cfg"), tls_config(dir.path()))
                .expect("write tls.cfg");
            let (udp, tcp, tls) = (free_port(), free_port(), free_port());
            if udp == tcp || tcp == tls || udp == tls {
                continue;
            }
            let cfg = dir.path().join("kamailio.cfg");
            std::fs::write(&cfg, config(udp, tcp, tls, dir.path())).expect("write kamailio.cfg");
            match spawn(&cfg, dir.path()) {
                Ok(child) => {
                    let mut kamailio = Kamailio {
                        udp,
                        tcp,
                        tls,
                        cert: cert.der().clone(),
                        child,
                        dir,
                    };
                    match kamailio.wait_ready() {
                        Ok(()) => return kamailio,
                        Err(log) => last_log = log,
                    }
                }
                Err(e) => panic!("could not run {KAMAILIO}: {e}"),
            }
        }
        panic!("kamailio did not start; its log:\n{last_log}");
    }

    /// Waits until both stream listeners accept (UDP is bound before them:
    /// kamailio binds every socket before it starts its workers).
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("(exited with {status})\n{}", self.log()));
            }
            let up = |port| {
                TcpStream::connect_timeout(
                    &([127, 0, 0, 1], port).into(),
                    Duration::from_millis(200),
                )
                .is_ok()
            };
            if up(self.tcp) && up(self.tls) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "(not listening after {STARTUP_WAIT:?})\n{}",
            self.log()
        ))
    }

    /// kamailio's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }
}

fn spawn(cfg: &Path, dir: &Path) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    let log = std::fs::File::create(dir.join("kamailio.log"))?;
    let mut cmd = Command::new(KAMAILIO);
    // -DD: stay in the foreground (workers are still forked); -E: log to
    // stderr; small shared (-m) and private (-M) memory, in MB.
    cmd.arg("-DD")
        .arg("-E")
        .arg("-f")
        .arg(cfg)
        .arg("-L")
        .arg(MODULES)
        .arg("-Y")
        .arg(dir)
        .arg("-P")
        .arg(dir.join("kamailio.pid"))
        .arg("-w")
        .arg(dir)
        .args(["-m", "16", "-M", "4"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own process group, so drop can end the workers too.
        .process_group(0);
    cmd.spawn()
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        // The whole process group: kamailio's workers too, including one
        // still being forked when a quick test ends (a plain kill of the
        // main process leaves those running).
        let group = format!("-{}", self.child.id());
        let signal = |name: &str| {
            let _ = Command::new("kill")
                .args([name, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        signal("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
