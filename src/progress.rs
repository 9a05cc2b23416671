//! Progress bars and timings for the stages of a build.
//!
//! One [`Progress`] is passed by reference through load and render. On a
//! terminal it draws a bar per stage (indicatif); with `--timings` it records
//! how long each stage and each template took, like Hugo's
//! `--templateMetrics`, and the CPU time each stage used on all threads
//! (user and kernel), which shows where a build's cores go. Neither is
//! written into the site, so builds stay byte-identical.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// What the terminal sees of a running build.
#[derive(Default)]
pub struct Progress {
    bars: Option<MultiProgress>,
    timings: Option<Mutex<Timings>>,
}

#[derive(Default)]
struct Timings {
    /// In the order the stages ran.
    stages: Vec<StageTimes>,
    templates: BTreeMap<String, TemplateTimes>,
}

struct StageTimes {
    name: &'static str,
    wall: Duration,
    cpu: Duration,
}

#[derive(Default)]
struct TemplateTimes {
    renders: usize,
    total: Duration,
    longest: Duration,
}

/// One running stage; it is timed until [`Stage::finish`] (or drop).
pub struct Stage<'a> {
    progress: &'a Progress,
    name: &'static str,
    started: Instant,
    cpu_started: Duration,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Draws nothing and records nothing: for library callers and tests.
    pub fn hidden() -> Progress {
        Progress::default()
    }

    /// `bars`: draw progress bars on stderr; `timings`: record stage and
    /// template times for [`Progress::timings_report`].
    pub fn new(bars: bool, timings: bool) -> Progress {
        Progress {
            bars: bars.then(MultiProgress::new),
            timings: timings.then(Mutex::default),
        }
    }

    /// Bars are for a person watching: only when stderr is a terminal, not
    /// under `--quiet` and not in CI (where `CI` is set, as every CI service
    /// does), whose logs would fill with redraws.
    pub fn bars_wanted(quiet: bool) -> bool {
        !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
    }

    /// Starts a stage; `len` is its number of steps when known (a bar),
    /// otherwise a spinner is shown. Bars right-align the name in 22
    /// columns, the longest stage name ("feeds, sitemap, search").
    pub fn stage(&self, name: &'static str, len: Option<usize>) -> Stage<'_> {
        let bar = self.bars.as_ref().map(|multi| {
            let bar = match len {
                Some(len) => ProgressBar::new(len as u64).with_style(
                    ProgressStyle::with_template(
                        "{prefix:>22} [{bar:30}] {pos}/{len} {elapsed_precise}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{prefix:>22} {spinner} {elapsed_precise}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                ),
            };
            let bar = multi.add(bar.with_prefix(name));
            if len.is_none() {
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            bar
        });
        Stage {
            progress: self,
            name,
            started: Instant::now(),
            cpu_started: match self.timings {
                Some(_) => process_cpu_time(),
                None => Duration::ZERO,
            },
            bar,
        }
    }

    /// Records one render of `template` that took `took`.
    pub fn template_rendered(&self, template: &str, took: Duration) {
        if let Some(timings) = &self.timings {
            let mut t = timings.lock().unwrap_or_else(|e| e.into_inner());
            let entry = t.templates.entry(template.to_string()).or_default();
            entry.renders += 1;
            entry.total += took;
            entry.longest = entry.longest.max(took);
        }
    }

    /// The time per stage and per template (slowest in total first), when
    /// timings were asked for.
    pub fn timings_report(&self) -> Option<String> {
        let t = self.timings.as_ref()?;
        let t = t.lock().unwrap_or_else(|e| e.into_inner());
        // As wide as the longest stage name, so every time lines up.
        let width = t
            .stages
            .iter()
            .map(|stage| stage.name.len())
            .chain(["stage".len(), "total".len()])
            .max()
            .unwrap_or_default();
        let mut out = format!("{:<width$} {:>10} {:>11}\n", "stage", "time", "cpu");
        let line = |name: &str, wall: Duration, cpu: Duration| {
            format!("{name:<width$} {:>10} {:>11}\n", millis(wall), millis(cpu))
        };
        for stage in &t.stages {
            out.push_str(&line(stage.name, stage.wall, stage.cpu));
        }
        out.push_str(&line(
            "total",
            t.stages.iter().map(|s| s.wall).sum(),
            t.stages.iter().map(|s| s.cpu).sum(),
        ));
        let mut templates: Vec<_> = t.templates.iter().collect();
        templates.sort_by(|a, b| b.1.total.cmp(&a.1.total).then_with(|| a.0.cmp(b.0)));
        out.push_str("\n     total    average    longest  renders  template\n");
        for (name, times) in templates {
            out.push_str(&format!(
                "{:>10} {:>10} {:>10} {:>8}  {name}\n",
                millis(times.total),
                millis(times.total / times.renders.max(1) as u32),
                millis(times.longest),
                times.renders,
            ));
        }
        Some(out)
    }
}

impl Stage<'_> {
    /// One step of the stage is done.
    pub fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Ends the stage (the same as dropping it; this reads better).
    pub fn finish(self) {}
}

impl Drop for Stage<'_> {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some(timings) = &self.progress.timings {
            let mut t = timings.lock().unwrap_or_else(|e| e.into_inner());
            t.stages.push(StageTimes {
                name: self.name,
                wall: self.started.elapsed(),
                cpu: process_cpu_time().saturating_sub(self.cpu_started),
            });
        }
    }
}

/// CPU time the whole process has used so far, all threads, user and
/// kernel (zero where the system cannot tell).
fn process_cpu_time() -> Duration {
    cpu_time::ProcessTime::try_now().map_or(Duration::ZERO, |t| t.as_duration())
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_list_stages_in_order_and_templates_slowest_first() {
        let p = Progress::new(false, true);
        p.stage("load", None).finish();
        p.stage("feeds, sitemap, search", None).finish();
        let s = p.stage("render", Some(3));
        s.step();
        p.template_rendered("index.html", Duration::from_millis(1));
        p.template_rendered("article.html", Duration::from_millis(5));
        p.template_rendered("article.html", Duration::from_millis(3));
        s.finish();
        let report = p.timings_report().unwrap();
        // Every time ends in the same column, the longest name included.
        let stage_lines: Vec<&str> = report.split("\n\n").next().unwrap().lines().collect();
        assert_eq!(stage_lines.len(), 5, "{report}");
        assert!(
            stage_lines.iter().all(|l| l.len() == stage_lines[0].len()),
            "{report}"
        );
        assert!(report.contains("feeds, sitemap, search "), "{report}");
        let load = report.find("load").unwrap();
        let render = report.find("render").unwrap();
        assert!(load < render, "{report}");
        let article = report.find("article.html").unwrap();
        let index = report.find("index.html").unwrap();
        assert!(article < index, "{report}");
        assert!(report.contains("8.00 ms"), "article total: {report}");
        assert!(report.contains("4.00 ms"), "article average: {report}");
    }

    #[test]
    fn timings_show_the_cpu_a_stage_used() {
        let p = Progress::new(false, true);
        let busy = p.stage("busy", None);
        let start = process_cpu_time();
        let mut x = 0u64;
        while process_cpu_time() < start + Duration::from_millis(3) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        busy.finish();
        let report = p.timings_report().unwrap();
        let line = report.lines().find(|l| l.starts_with("busy")).unwrap();
        let cpu: f64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
        assert!(cpu >= 3.0, "{report}");
        assert!(report.starts_with("stage"), "{report}");
        assert!(report.lines().next().unwrap().ends_with("cpu"), "{report}");
    }

    #[test]
    fn hidden_progress_reports_nothing() {
        let p = Progress::hidden();
        p.stage("load", Some(1)).step();
        p.template_rendered("index.html", Duration::from_millis(1));
        assert!(p.timings_report().is_none());
    }
}
