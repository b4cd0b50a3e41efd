//! The explorer and the lesson browser on a real terminal: tmux runs `ksim tui` and `ksim
//! learn` at 100x30, keys go in, the screen comes back as text. Where tmux is not installed
//! they are skipped with a note on standard error, which cargo test does not hide; under
//! `CI=true` a missing tmux fails them instead, so CI cannot pass without running them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Captures the pane until `done` holds for the screen or the time is up.
fn wait_for(session: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if done(&screen) || start.elapsed() > Duration::from_secs(8) {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

/// The explorer on the shipped scenario.
const TUI: &str = "tui scenarios/acks-1-loses-acked-record.toml";

/// Starts `ksim <args>` from the repository root in a detached 100x30 tmux session, with `env`
/// set; when it exits, the shell prints its exit status and the terminal's mode (`stty -a`).
fn start(name: &str, env: &str, args: &str) -> Session {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let session = Session(format!("ksim-{name}-{}", std::process::id()));
    let command = format!(
        "cd {} && {env} {} {args}; echo \"ksim exited $?\"; stty -a; sleep 30",
        root.display(),
        env!("CARGO_BIN_EXE_ksim")
    );
    let started = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session.0,
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
        ])
        .arg(&command)
        .env("TERM", "xterm-256color")
        .status()
        .expect("tmux starts a session");
    assert!(started.success());
    session
}

fn tmux_missing() -> bool {
    let missing = Command::new("tmux").arg("-V").output().is_err();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match skip_verdict(missing, ci) {
        // Straight to standard error: `eprintln!` would be captured and hidden like `println!`.
        Ok(true) => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "note: tmux is not installed; the real-terminal tests are skipped"
            );
            true
        }
        Ok(false) => false,
        Err(message) => panic!("{message}"),
    }
}

/// Whether to skip for want of tmux; under CI, a missing tmux is an error instead.
fn skip_verdict(missing: bool, ci: bool) -> Result<bool, String> {
    if !missing {
        return Ok(false);
    }
    if ci {
        return Err(
            "tmux is not installed and CI=true: the real-terminal tests cannot run; install tmux"
                .to_string(),
        );
    }
    Ok(true)
}

// A missing tmux skips the tests locally but fails them under CI; a present one never skips.
#[test]
fn a_missing_tmux_fails_under_ci() {
    assert_eq!(skip_verdict(false, true), Ok(false));
    assert_eq!(skip_verdict(false, false), Ok(false));
    assert_eq!(skip_verdict(true, false), Ok(true));
    assert!(skip_verdict(true, true).unwrap_err().contains("CI=true"));
}

/// Waits for the shell's lines after ksim exits and checks the terminal is usable again: the
/// normal screen, cooked mode, echo on.
fn assert_restored(session: &Session) -> String {
    let screen = wait_for(&session.0, |s| {
        s.contains("ksim exited") && s.contains("icanon")
    });
    assert!(
        !screen.contains("ksim │"),
        "the alternate screen is gone:\n{screen}"
    );
    assert!(
        screen.contains(" icanon") && !screen.contains("-icanon") && !screen.contains("-echo "),
        "the terminal is back in cooked mode:\n{screen}"
    );
    screen
}

// A panic inside the explorer leaves raw mode and the alternate screen before the message is
// printed: the message is readable and the shell works.
#[test]
fn a_panic_restores_the_terminal() {
    if tmux_missing() {
        return;
    }
    let session = start("panic", "RUST_BACKTRACE=0 KSIM_TUI_PANIC_FOR_TEST=1", TUI);
    let screen = assert_restored(&session);
    assert!(screen.contains("ksim exited 101"), "{screen}");
    assert!(
        screen.contains("panicked") && screen.contains("KSIM_TUI_PANIC_FOR_TEST is set"),
        "the panic message is on the normal screen:\n{screen}"
    );
}

// Start, press End, see the HW, the ISR and the lost record's mark; go to 2006 ms and see the
// network cut, then the messages view's lanes; shrink the window while playing and grow it
// back; quit with q; the process exits 0 and the terminal is back in cooked mode on the normal
// screen.
#[test]
fn explorer_in_a_real_terminal() {
    if tmux_missing() {
        return;
    }
    let session = start("explore", "", TUI);
    let screen = wait_for(&session.0, |s| s.contains("event 1/"));
    assert!(
        screen.contains("ksim │"),
        "the explorer did not start:\n{screen}"
    );

    tmux(&["send-keys", "-t", &session.0, "End"]);
    let screen = wait_for(&session.0, |s| s.contains("event 44/44"));
    assert!(screen.contains("event 44/44"), "{screen}");
    assert!(screen.contains("hw 7 leo 7"), "the HW is shown:\n{screen}");
    assert!(screen.contains("isr [2,3]"), "the ISR is shown:\n{screen}");
    assert!(
        screen.contains("✗ fast-3@6"),
        "the lost record is marked:\n{screen}"
    );

    // At 2006 ms the network is split and the cluster view says so where the brokers are.
    tmux(&["send-keys", "-t", &session.0, "g", "2006ms", "Enter"]);
    let screen = wait_for(&session.0, |s| s.contains("event 24/44"));
    assert!(
        screen.contains("split [1] | [2,3]: b1 ⟂ b2,b3"),
        "the cut is drawn:\n{screen}"
    );
    // The messages view draws the wire as lanes between the nodes.
    tmux(&["send-keys", "-t", &session.0, "BTab"]);
    let screen = wait_for(&session.0, |s| s.contains("on the wire at"));
    assert!(screen.contains("│ c: list"), "lanes are drawn:\n{screen}");
    assert!(screen.contains("ctl  "), "the lanes are named:\n{screen}");
    tmux(&["send-keys", "-t", &session.0, "Tab"]);

    // Too small while playing, then back: a message, no crash, the screen again.
    tmux(&["send-keys", "-t", &session.0, "Home", "Space"]);
    tmux(&["resize-window", "-t", &session.0, "-x", "60", "-y", "20"]);
    let screen = wait_for(&session.0, |s| s.contains("terminal too small"));
    assert!(screen.contains("terminal too small: 60x20"), "{screen}");
    tmux(&["resize-window", "-t", &session.0, "-x", "100", "-y", "30"]);
    let screen = wait_for(&session.0, |s| s.contains("ksim │"));
    assert!(screen.contains("ksim │"), "{screen}");

    tmux(&["send-keys", "-t", &session.0, "q"]);
    let screen = assert_restored(&session);
    assert!(screen.contains("ksim exited 0"), "{screen}");
}

// `ksim learn` on a terminal opens the browser: the list, Enter opens a lesson, s plays its
// scenario in the explorer, q comes back to the lesson, q quits; exit 0, cooked mode, and
// with --no-save no progress file.
#[test]
fn lesson_browser_in_a_real_terminal() {
    if tmux_missing() {
        return;
    }
    let data = std::env::temp_dir().join(format!("ksim-learn-tmux-{}", std::process::id()));
    let session = start(
        "learn",
        &format!("XDG_DATA_HOME={}", data.display()),
        "learn --lessons ui/tests/fixtures/lessons --lang en --no-save",
    );

    let screen = wait_for(&session.0, |s| s.contains("ksim learn │"));
    assert!(
        screen.contains("▶   F17"),
        "the list, first lesson selected:\n{screen}"
    );
    tmux(&["send-keys", "-t", &session.0, "Enter"]);
    let screen = wait_for(&session.0, |s| s.contains("lesson 1/3"));
    assert!(
        screen.contains("With acks=1 the leader answers"),
        "{screen}"
    );
    tmux(&["send-keys", "-t", &session.0, "s"]);
    let screen = wait_for(&session.0, |s| s.contains("ksim │"));
    assert!(screen.contains("event 1/"), "the explorer plays:\n{screen}");
    tmux(&["send-keys", "-t", &session.0, "q"]);
    let screen = wait_for(&session.0, |s| s.contains("lesson 1/3"));
    assert!(
        screen.contains("With acks=1 the leader answers"),
        "{screen}"
    );
    tmux(&["send-keys", "-t", &session.0, "q"]);
    let screen = wait_for(&session.0, |s| {
        s.contains("ksim exited") && s.contains("icanon")
    });
    assert!(screen.contains("ksim exited 0"), "{screen}");
    assert!(!screen.contains("ksim learn │"), "{screen}");
    assert!(
        screen.contains(" icanon") && !screen.contains("-icanon"),
        "the terminal is back in cooked mode:\n{screen}"
    );
    assert!(!data.join("ksim").exists(), "--no-save writes nothing");
}
