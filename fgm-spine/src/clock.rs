//! The service's clock: the time from the system clock, or on a date the
//! operator fixes (`--today`), so that tests and rehearsals can cross an
//! 18th birthday without waiting for it.

use fgm::primitive::Date;

/// What time it is for the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clock {
    today: Option<Date>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { today: None }
    }

    /// A clock on `today` (a full `YYYY-MM-DD` date), the time of day the
    /// system's; for anything else an error, `TEXT: why`.
    pub fn on(today: &str) -> Result<Clock, String> {
        let date = Date::new(today).map_err(|e| format!("{today}: {e}"))?;
        if today.len() != 10 {
            return Err(format!("{today}: a full date (YYYY-MM-DD) is needed"));
        }
        Ok(Clock { today: Some(date) })
    }

    /// The current instant (UTC, to the second): the system's, or its time
    /// of day on the fixed date.
    pub fn now(&self) -> String {
        let now = fgm_types::spine::now();
        match &self.today {
            Some(date) => format!("{}{}", date.as_str(), &now.as_str()[10..]),
            None => now.as_str().to_owned(),
        }
    }

    /// The service's date (`YYYY-MM-DD`).
    pub fn today(&self) -> String {
        self.now()[..10].to_owned()
    }

    /// The service's date as a FHIR date.
    pub fn date(&self) -> Date {
        Date::new(self.today()).expect("a clock's date is a full date")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_date_keeps_the_time_of_day() {
        let fixed = Clock::on("2030-02-28").unwrap();
        assert_eq!(fixed.today(), "2030-02-28");
        let now = fixed.now();
        assert!(
            now.starts_with("2030-02-28T") && now.ends_with("+00:00"),
            "{now}"
        );
        assert_eq!(Clock::system().today().len(), 10);
        assert!(Clock::on("2030-02").unwrap_err().contains("a full date"));
        assert!(Clock::on("2030-02-30").is_err());
    }
}
