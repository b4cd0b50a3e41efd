//! `ksim ctl`: faults injected into a live run from another terminal, over a loopback socket,
//! in the words of the explorer's fault menu (`crash 2`, `partition 1 | 2 3`, `heal`). Each
//! is applied at the simulated moment it arrives and journaled, so a replay applies it too.

use ksim::engine::ids::BrokerId;
use ksim::scenario::Action;

/// The commands `ksim ctl` takes, for its help and its errors.
pub const COMMANDS: &str = "crash N, restart N, power-loss N, isolate N, \
                            partition N… | M…, heal";

/// Reads a control command: the action it asks for, or why it is not one.
pub fn parse(command: &str, brokers: u32) -> Result<Action, String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let broker = |word: Option<&&str>| -> Result<BrokerId, String> {
        let word = word.ok_or_else(|| format!("{command:?}: expected a broker id after it"))?;
        match word.parse::<u32>() {
            Ok(n) if (1..=brokers).contains(&n) => Ok(BrokerId(n)),
            _ => Err(format!(
                "{word:?} is not a broker of this cluster (1 to {brokers})"
            )),
        }
    };
    let one = |action: fn(BrokerId) -> Action| -> Result<Action, String> {
        if words.len() > 2 {
            return Err(format!("{command:?}: expected one broker id"));
        }
        Ok(action(broker(words.get(1))?))
    };
    match words.first().copied() {
        Some("crash") => one(Action::Crash),
        Some("restart") => one(Action::Restart),
        Some("power-loss") => one(Action::PowerLoss),
        Some("isolate") => one(Action::Isolate),
        Some("heal") if words.len() == 1 => Ok(Action::Heal),
        Some("partition") => {
            let mut sides: Vec<Vec<BrokerId>> = vec![Vec::new()];
            for word in &words[1..] {
                for (i, part) in word.split('|').enumerate() {
                    if i > 0 {
                        sides.push(Vec::new());
                    }
                    if !part.is_empty() {
                        let b = broker(Some(&part))?;
                        sides.last_mut().expect("one side at least").push(b);
                    }
                }
            }
            if sides.len() < 2 || sides.iter().any(Vec::is_empty) {
                return Err(format!(
                    "{command:?}: expected brokers on both sides of `|`, such as `partition 1 | 2 3`"
                ));
            }
            let mut all: Vec<BrokerId> = sides.iter().flatten().copied().collect();
            all.sort();
            if all.windows(2).any(|w| w[0] == w[1]) {
                return Err(format!("{command:?}: a broker is on two sides"));
            }
            Ok(Action::Partition(sides))
        }
        Some(other) => {
            let known = [
                "crash",
                "restart",
                "power-loss",
                "isolate",
                "partition",
                "heal",
            ];
            let hint = ksim::config::nearest(other, known.iter().copied())
                .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            Err(format!(
                "unknown command {other:?}{hint}; the commands: {COMMANDS}"
            ))
        }
        None => Err(format!("an empty command; the commands: {COMMANDS}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each command reads as the explorer's fault menu offers it; bad ones say what is wrong.
    #[test]
    fn commands_and_their_errors() {
        assert!(matches!(
            parse("crash 2", 3),
            Ok(Action::Crash(BrokerId(2)))
        ));
        assert!(matches!(
            parse(" restart  3 ", 3),
            Ok(Action::Restart(BrokerId(3)))
        ));
        assert!(matches!(
            parse("power-loss 1", 3),
            Ok(Action::PowerLoss(BrokerId(1)))
        ));
        assert!(matches!(
            parse("isolate 1", 3),
            Ok(Action::Isolate(BrokerId(1)))
        ));
        assert!(matches!(parse("heal", 3), Ok(Action::Heal)));
        let Ok(Action::Partition(sides)) = parse("partition 1 | 2 3", 3) else {
            panic!("a partition reads");
        };
        assert_eq!(
            sides,
            vec![vec![BrokerId(1)], vec![BrokerId(2), BrokerId(3)]]
        );
        let Ok(Action::Partition(sides)) = parse("partition 1|2", 3) else {
            panic!("a partition without spaces reads");
        };
        assert_eq!(sides, vec![vec![BrokerId(1)], vec![BrokerId(2)]]);
        for (command, error) in [
            ("crash 4", "not a broker of this cluster (1 to 3)"),
            ("crash", "expected a broker id"),
            ("crash 1 2", "expected one broker id"),
            ("crsh 1", "did you mean `crash`?"),
            ("partition 1 2", "both sides"),
            ("partition 1 | 1", "on two sides"),
            ("", "an empty command"),
        ] {
            let got = parse(command, 3).unwrap_err();
            assert!(got.contains(error), "{command:?}: {got}");
        }
    }
}
