//! The seed of a run: `--seed` wins over the scenario's `seed`; with neither, the command line
//! picks one and says so, so that any run can be repeated.

/// Where a run's seed came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    Flag,
    Scenario,
    Random,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seed {
    pub value: u64,
    pub source: SeedSource,
}

impl Seed {
    /// The seed for a run, drawing a fresh one (from the operating system's entropy) only when
    /// neither the flag nor the scenario gives one.
    #[cfg(feature = "terminal")]
    pub fn choose(flag: Option<u64>, scenario: Option<u64>) -> Seed {
        Seed::choose_with(flag, scenario, || u64::from(rand::random::<u32>()))
    }

    /// `choose`, with the source of fresh seeds given; the tests pass a fixed one.
    pub fn choose_with(
        flag: Option<u64>,
        scenario: Option<u64>,
        fresh: impl FnOnce() -> u64,
    ) -> Seed {
        match (flag, scenario) {
            (Some(value), _) => Seed {
                value,
                source: SeedSource::Flag,
            },
            (None, Some(value)) => Seed {
                value,
                source: SeedSource::Scenario,
            },
            (None, None) => Seed {
                value: fresh(),
                source: SeedSource::Random,
            },
        }
    }

    /// `7 (from the scenario)`, or for a drawn seed how to get the same run again.
    pub fn describe(&self) -> String {
        let value = self.value;
        match self.source {
            SeedSource::Flag => format!("{value} (from --seed)"),
            SeedSource::Scenario => format!("{value} (from the scenario)"),
            SeedSource::Random => {
                format!("{value} (chosen at random; pass --seed {value} to repeat)")
            }
        }
    }

    /// [`describe`](Seed::describe) in `lang`, for the commands that speak Korean (the quiz).
    pub fn describe_in(&self, lang: ksim_app::lesson::Lang) -> String {
        let value = self.value;
        match (lang, self.source) {
            (ksim_app::lesson::Lang::En, _) => self.describe(),
            (ksim_app::lesson::Lang::Ko, SeedSource::Flag) => format!("{value} (--seed로 지정)"),
            (ksim_app::lesson::Lang::Ko, SeedSource::Scenario) => {
                format!("{value} (시나리오에 지정)")
            }
            (ksim_app::lesson::Lang::Ko, SeedSource::Random) => {
                format!("{value} (무작위로 골랐습니다. 같은 순서로 다시 하려면 --seed {value})")
            }
        }
    }

    /// The source as a word, for machine-readable output.
    pub fn source_name(&self) -> &'static str {
        match self.source {
            SeedSource::Flag => "flag",
            SeedSource::Scenario => "scenario",
            SeedSource::Random => "random",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The flag beats the scenario, the scenario beats a fresh draw, and a draw says so.
    #[test]
    fn flag_then_scenario_then_random() {
        let never = || panic!("no fresh seed is needed");
        assert_eq!(
            Seed::choose_with(Some(1), Some(2), never),
            Seed {
                value: 1,
                source: SeedSource::Flag
            }
        );
        assert_eq!(
            Seed::choose_with(None, Some(2), never),
            Seed {
                value: 2,
                source: SeedSource::Scenario
            }
        );
        let drawn = Seed::choose_with(None, None, || 12345);
        assert_eq!(
            drawn,
            Seed {
                value: 12345,
                source: SeedSource::Random
            }
        );
        assert_eq!(
            drawn.describe(),
            "12345 (chosen at random; pass --seed 12345 to repeat)"
        );
    }

    // In Korean the seed's source is Korean too, with only the flag's name as it is.
    #[test]
    fn describe_in_korean() {
        use ksim_app::lesson::Lang;
        let flag = Seed::choose_with(Some(3), None, || unreachable!());
        assert_eq!(flag.describe_in(Lang::Ko), "3 (--seed로 지정)");
        assert_eq!(flag.describe_in(Lang::En), "3 (from --seed)");
        let drawn = Seed::choose_with(None, None, || 9);
        assert_eq!(
            drawn.describe_in(Lang::Ko),
            "9 (무작위로 골랐습니다. 같은 순서로 다시 하려면 --seed 9)"
        );
    }
}
