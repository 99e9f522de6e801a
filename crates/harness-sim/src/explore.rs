//! The exploratory reads of an over-exploring model: distinct, read-only looks at the task's
//! folder and inputs, in a drawn order.

use crate::plan::Plan;
use crate::rng::SimRng;

/// `count` distinct read-only commands. A flooding model dumps inputs whole (`cat`); with
/// `cd_into_dirs`, looks into a subfolder are written `cd DIR && ...`.
pub fn exploration(
    plan: &Plan,
    count: u32,
    flood: bool,
    cd_into_dirs: bool,
    rng: &mut SimRng,
) -> Vec<String> {
    let look = |command: &str, path: &str| -> String {
        match path.rsplit_once('/') {
            Some((dir, name)) if cd_into_dirs && !dir.is_empty() => {
                format!("cd {dir} && {command} {name}")
                    .trim_end()
                    .to_owned()
            }
            _ => format!("{command} {path}").trim_end().to_owned(),
        }
    };
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let files: Vec<&String> = plan.inputs.iter().filter(|i| !i.ends_with('/')).collect();
    let mut dirs: Vec<String> = plan
        .inputs
        .iter()
        .filter_map(|i| {
            let t = i.trim_end_matches('/');
            if i.ends_with('/') {
                Some(t.to_owned())
            } else {
                t.rsplit_once('/').map(|(d, _)| d.to_owned())
            }
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    let uses_git = plan.steps.iter().any(|s| s.command.contains("git "));

    let mut pool: Vec<String> = vec![
        "find . -maxdepth 2 -not -path './.git*' | sort".to_owned(),
        "ls -la ..".to_owned(),
        "df -h .".to_owned(),
        "command -v python3 gcc make awk sed".to_owned(),
        "uname -a".to_owned(),
    ];
    if uses_git {
        pool.push("git status --short".to_owned());
        pool.push("git log --oneline -5".to_owned());
        pool.push("git branch -a".to_owned());
    }
    for dir in &dirs {
        pool.push(look("ls -la", &format!("{dir}/")));
    }
    for file in &files {
        if flood {
            pool.push(look("cat", file));
        }
        pool.push(look("head -n 40", file));
        pool.push(look("tail -n 40", file));
        pool.push(look("wc -l", file));
        pool.push(look("file", file));
    }
    shuffle(&mut pool, rng);
    let mut out = vec!["ls -la".to_owned()];
    out.extend(pool);
    // Slices of the inputs, then ever longer listings, until there are enough.
    let mut start = 41;
    while out.len() < count {
        let before = out.len();
        for file in &files {
            out.push(look(&format!("sed -n '{start},{}p'", start + 39), file));
        }
        if out.len() == before {
            out.push(format!("ls -laR | head -n {start}"));
        }
        start += 40;
    }
    out.truncate(count);
    out
}

fn shuffle<T>(items: &mut [T], rng: &mut SimRng) {
    for i in (1..items.len()).rev() {
        if let Some(j) = rng.index(i + 1) {
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explorations_are_distinct_and_as_long_as_asked() {
        let plan = Plan::parse(
            "# step: look\nhead -n 3 data/a.csv\n# step: act\nawk 1 data/a.csv > b\n",
            "Use `data/a.csv`.",
        );
        for flood in [false, true] {
            let cmds = exploration(&plan, 60, flood, false, &mut SimRng::new(9));
            assert_eq!(cmds.len(), 60);
            let mut unique = cmds.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 60);
            assert_eq!(cmds[0], "ls -la");
            assert_eq!(cmds.iter().any(|c| c == "cat data/a.csv"), flood);
        }
        let cds = exploration(&plan, 60, false, true, &mut SimRng::new(9));
        assert!(cds.iter().any(|c| c == "cd data && head -n 40 a.csv"));
        assert!(cds.iter().any(|c| c == "cd data && ls -la"));
        assert!(!cds.iter().any(|c| c.contains("data/a.csv")));
        let empty = Plan::parse("# step: x\ntrue\n", "");
        assert_eq!(
            exploration(&empty, 30, false, false, &mut SimRng::new(1)).len(),
            30
        );
    }
}
