//! The scheduled backup settings: `BACKUP_INTERVAL_HOURS`, `BACKUP_DIR`, `BACKUP_KEEP`.

use std::path::{Path, PathBuf};

use super::{ConfigReport, rules::Lookup};

/// Backups on by default in production: once a day.
pub const DEFAULT_PRODUCTION_INTERVAL_HOURS: u32 = 24;
/// How many scheduled backups are kept when `BACKUP_KEEP` is not set.
pub const DEFAULT_KEEP: u32 = 7;
/// The longest interval accepted (a year): anything longer is almost certainly a typo.
const MAX_INTERVAL_HOURS: u32 = 24 * 366;

/// When and where the built-in backup job writes, and how many it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSettings {
    /// Hours between backups; 0 turns the job off.
    pub interval_hours: u32,
    pub dir: PathBuf,
    /// Scheduled backups kept; older ones are deleted after each new one.
    pub keep: u32,
}

impl BackupSettings {
    pub fn enabled(&self) -> bool {
        self.interval_hours > 0
    }
}

/// Reads the three variables; production backs up daily unless told otherwise, development
/// only when asked.
pub(super) fn read_backup(
    lookup: Lookup<'_>,
    report: &mut ConfigReport,
    production: bool,
    data_dir: &Path,
) -> BackupSettings {
    let default_interval = if production {
        DEFAULT_PRODUCTION_INTERVAL_HOURS
    } else {
        0
    };
    let interval_hours = match lookup("BACKUP_INTERVAL_HOURS") {
        None => default_interval,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(hours) if hours <= MAX_INTERVAL_HOURS => hours,
            _ => {
                report.add(
                    "BACKUP_INTERVAL_HOURS",
                    format!(
                        "must be a whole number of hours from 0 (off) to {MAX_INTERVAL_HOURS}, not `{raw}`"
                    ),
                );
                default_interval
            }
        },
    };
    let keep = match lookup("BACKUP_KEEP") {
        None => DEFAULT_KEEP,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(keep) if keep > 0 => keep,
            _ => {
                report.add(
                    "BACKUP_KEEP",
                    format!("must be a whole number above 0, not `{raw}`"),
                );
                DEFAULT_KEEP
            }
        },
    };
    let dir = lookup("BACKUP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("backups"));
    BackupSettings {
        interval_hours,
        dir,
        keep,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::Settings;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, crate::config::ConfigReport> {
        Settings::from_map(
            &vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn backups_default_off_in_development_into_the_data_folder() {
        let s = settings(&[("OPS_DATA_DIR", "/srv/ops")]).unwrap();
        assert_eq!(s.backup.interval_hours, 0);
        assert!(!s.backup.enabled());
        assert_eq!(s.backup.keep, 7);
        assert_eq!(s.backup.dir, std::path::PathBuf::from("/srv/ops/backups"));
    }

    #[test]
    fn backup_settings_are_read_and_checked() {
        let s = settings(&[
            ("BACKUP_INTERVAL_HOURS", "6"),
            ("BACKUP_DIR", "/backups"),
            ("BACKUP_KEEP", "3"),
        ])
        .unwrap();
        assert_eq!((s.backup.interval_hours, s.backup.keep), (6, 3), "as given");
        assert_eq!(s.backup.dir, std::path::PathBuf::from("/backups"));
        let report =
            settings(&[("BACKUP_INTERVAL_HOURS", "-1"), ("BACKUP_KEEP", "0")]).unwrap_err();
        assert!(report.mentions("BACKUP_INTERVAL_HOURS") && report.mentions("BACKUP_KEEP"));
        let report = settings(&[("BACKUP_INTERVAL_HOURS", "99999")]).unwrap_err();
        assert!(report.mentions("BACKUP_INTERVAL_HOURS"));
    }
}
