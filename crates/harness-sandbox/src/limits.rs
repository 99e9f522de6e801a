//! Resource limits applied to every process a sandbox starts.

use serde::{Deserialize, Serialize};

use crate::sys::{self, Resource};
use crate::{AppliedLimit, Enforcement, EnvironmentSpec};

/// Resource limits (`setrlimit`) set on each command's process before it starts and inherited
/// by its children. `None` leaves a limit as the host has it. Values above what the host
/// allows are lowered to the host's hard limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// CPU seconds per process (`RLIMIT_CPU`).
    pub cpu_seconds: Option<u64>,
    /// Virtual address space per process in bytes (`RLIMIT_AS`). Generous by default, because
    /// runtimes such as the JVM or Go reserve far more address space than they use.
    pub address_space_bytes: Option<u64>,
    /// Largest file a process may write, in bytes (`RLIMIT_FSIZE`).
    pub file_size_bytes: Option<u64>,
    /// Open file descriptors per process (`RLIMIT_NOFILE`).
    pub open_files: Option<u64>,
    /// Core dump size in bytes (`RLIMIT_CORE`); 0 keeps crashes from filling the disk.
    pub core_dump_bytes: Option<u64>,
    /// Data segment and private writable mappings per process in bytes (`RLIMIT_DATA`): the
    /// memory a process can actually commit, unlike the address space, which runtimes such as
    /// V8 or the JVM reserve by the gigabyte without using it. Set from a task's memory request.
    #[serde(default)]
    pub data_bytes: Option<u64>,
    /// Processes (threads, on Linux) of the user (`RLIMIT_NPROC`). Off by default: the kernel
    /// counts every process of the user, not only the sandbox's, and does not apply it to
    /// root.
    #[serde(default)]
    pub processes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_seconds: Some(3600),
            address_space_bytes: Some(32 << 30),
            file_size_bytes: Some(8 << 30),
            open_files: Some(4096),
            core_dump_bytes: Some(0),
            data_bytes: None,
            processes: None,
        }
    }
}

impl Limits {
    /// No limits at all: every resource as the host has it.
    pub fn unlimited() -> Self {
        Self {
            cpu_seconds: None,
            address_space_bytes: None,
            file_size_bytes: None,
            open_files: None,
            core_dump_bytes: None,
            data_bytes: None,
            processes: None,
        }
    }

    /// These limits tightened by the environment's requests, and a record of how each request
    /// is enforced. Memory becomes the data limit (`RLIMIT_DATA`) of every process (the
    /// fallback where no cgroup is available: it bounds each process, not their sum); a CPU
    /// count cannot be enforced by resource limits and is recorded only.
    pub fn for_environment(&self, spec: &EnvironmentSpec) -> (Limits, Vec<AppliedLimit>) {
        let mut limits = self.clone();
        let mut applied = Vec::new();
        let memory = spec.memory_mb.map(|mb| mb.saturating_mul(1 << 20));
        if let Some(bytes) = memory {
            let value = limits
                .data_bytes
                .map_or(bytes, |current| current.min(bytes));
            limits.data_bytes = Some(value);
        }
        applied.push(AppliedLimit {
            resource: "memory".to_owned(),
            requested: spec.memory_mb.map(|mb| format!("{mb} MiB")),
            enforcement: if limits.data_bytes.is_some() {
                Enforcement::Rlimit
            } else {
                Enforcement::NotEnforced
            },
            value: limits.data_bytes,
        });
        applied.push(AppliedLimit {
            resource: "cpus".to_owned(),
            requested: spec.cpus.map(|c| format!("{c}")),
            enforcement: Enforcement::NotEnforced,
            value: None,
        });
        applied.push(AppliedLimit {
            resource: "processes".to_owned(),
            requested: None,
            enforcement: if limits.processes.is_some() {
                Enforcement::Rlimit
            } else {
                Enforcement::NotEnforced
            },
            value: limits.processes,
        });
        (limits, applied)
    }

    /// The limits to set, each lowered to this process's hard limit so that setting it
    /// cannot fail for lack of privilege.
    pub(crate) fn to_settings(&self) -> Vec<(Resource, u64)> {
        [
            (Resource::Cpu, self.cpu_seconds),
            (Resource::AddressSpace, self.address_space_bytes),
            (Resource::FileSize, self.file_size_bytes),
            (Resource::OpenFiles, self.open_files),
            (Resource::Core, self.core_dump_bytes),
            (Resource::Data, self.data_bytes),
            (Resource::Processes, self.processes),
        ]
        .into_iter()
        .filter_map(|(resource, value)| {
            let value = value?;
            let value = match sys::hard_limit(resource) {
                Some(hard) => value.min(hard),
                None => value,
            };
            Some((resource, value))
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_sets_nothing() {
        assert!(Limits::unlimited().to_settings().is_empty());
    }

    #[test]
    fn defaults_set_every_resource_but_processes() {
        assert_eq!(Limits::default().to_settings().len(), 5);
    }

    #[test]
    fn memory_request_lowers_the_address_space() {
        let spec = EnvironmentSpec {
            memory_mb: Some(2048),
            cpus: Some(1.5),
            ..EnvironmentSpec::default()
        };
        let (limits, applied) = Limits::default().for_environment(&spec);
        assert_eq!(limits.data_bytes, Some(2048 << 20));
        // The address space stays generous: runtimes reserve far more than they use.
        assert_eq!(
            limits.address_space_bytes,
            Limits::default().address_space_bytes
        );
        assert_eq!(applied[0].enforcement, Enforcement::Rlimit);
        assert_eq!(applied[0].requested.as_deref(), Some("2048 MiB"));
        assert_eq!(applied[1].enforcement, Enforcement::NotEnforced);
        let (limits, _) = Limits::unlimited().for_environment(&EnvironmentSpec::default());
        assert_eq!(limits.data_bytes, None);
    }
}
