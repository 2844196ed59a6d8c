//! End-to-end tests of the `tenggat` binary: outputs, and every error path (one line on
//! stderr, exit status 2, no panic).

use assert_cmd::Command;

fn tenggat() -> Command {
    Command::cargo_bin("tenggat").expect("binary built")
}

fn data(file: &str) -> String {
    format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs and returns (status, stdout, stderr).
fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = tenggat();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts the error contract and that the message mentions `needle`.
fn fails(args: &[&str], stdin: Option<&str>, needle: &str) {
    let (code, _stdout, stderr) = run(args, stdin);
    assert_eq!(code, 2, "{args:?}: exit status; stderr: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one line on stderr, got {stderr:?}"
    );
    assert!(stderr.starts_with("tenggat: error: "), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: expected {needle:?} in {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn due_plain_and_json() {
    let (code, out, err) = run(
        &[
            "due",
            "--calendar",
            "innovasia",
            "--from",
            "2026-03-16T16:30:00+07:00",
            "--add",
            "30m",
        ],
        None,
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "2026-03-16T17:00:00+07:00\n", "")
    );
    let (_, out, _) = run(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2026-03-18T16:00:00+07:00",
            "--add",
            "2h",
            "--json",
        ],
        None,
    );
    // Thursday 19 March 2026 is Nyepi: the second hour runs on Friday.
    assert_eq!(out, "{\"due\":\"2026-03-20T10:00:00+07:00\"}\n");
}

#[test]
fn due_converts_the_offset_of_the_input() {
    let (_, out, _) = run(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2026-03-16T02:00:00Z",
            "--add",
            "PT1H",
        ],
        None,
    );
    assert_eq!(out, "2026-03-16T10:00:00+07:00\n");
}

#[test]
fn elapsed_plain_and_json() {
    let args = [
        "elapsed",
        "-c",
        "innovasia",
        "--from",
        "2026-03-16T08:00:00+07:00",
        "--to",
        "2026-03-17T10:30:00+07:00",
    ];
    let (code, out, _) = run(&args, None);
    assert_eq!(code, 0);
    assert_eq!(out, "9h30m (34200 business seconds)\n");
    let mut json = args.to_vec();
    json.push("--json");
    let (_, out, _) = run(&json, None);
    assert_eq!(out, "{\"business_seconds\":34200}\n");
    // Reversed interval: zero.
    let (_, out, _) = run(
        &[
            "elapsed",
            "-c",
            "innovasia",
            "--from",
            "2026-03-17T10:30:00+07:00",
            "--to",
            "2026-03-16T08:00:00+07:00",
            "--json",
        ],
        None,
    );
    assert_eq!(out, "{\"business_seconds\":0}\n");
}

#[test]
fn calendar_file_with_lunch_break_ics_and_extra_holidays() {
    let cal = data("lunch.toml");
    // 11:00 + 2h: one hour before lunch, one after.
    let (code, out, err) = run(
        &[
            "due",
            "-c",
            &cal,
            "--from",
            "2026-04-14T11:00:00+07:00",
            "--add",
            "2h",
        ],
        None,
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "2026-04-14T14:00:00+07:00\n", "")
    );
    // 16:00 + 2h on the day before the company anniversary (from the .ics file).
    let (_, out, _) = run(
        &[
            "due",
            "-c",
            &cal,
            "--from",
            "2026-04-14T16:00:00+07:00",
            "--add",
            "2h",
        ],
        None,
    );
    assert_eq!(out, "2026-04-16T10:00:00+07:00\n");
    // 2026-12-31 is an extra holiday, 2027-01-01 a national one.
    let (_, out, _) = run(
        &[
            "due",
            "-c",
            &cal,
            "--from",
            "2026-12-30T16:00:00+07:00",
            "--add",
            "2h",
        ],
        None,
    );
    assert_eq!(out, "2027-01-04T10:00:00+07:00\n");
}

#[test]
fn batch_streams_in_order() {
    let input = "2026-03-16T16:30:00+07:00,30m\n2026-03-16T09:00:00+07:00,8h\n2026-03-13T17:00:00+07:00,1bd\n2026-03-16T10:00:00+07:00,0\n";
    let (code, out, err) = run(&["due", "-c", "innovasia", "--batch", "-"], Some(input));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "2026-03-16T17:00:00+07:00\n2026-03-16T17:00:00+07:00\n2026-03-16T17:00:00+07:00\n2026-03-16T10:00:00+07:00\n"
    );
    let file = std::env::temp_dir().join(format!("tenggat-batch-{}.txt", std::process::id()));
    std::fs::write(&file, "2026-03-16T16:30:00+07:00,1h\r\n").unwrap();
    let (_, out, _) = run(
        &["due", "-c", "innovasia", "--batch", file.to_str().unwrap()],
        None,
    );
    std::fs::remove_file(&file).ok();
    assert_eq!(out, "2026-03-17T09:30:00+07:00\n");
}

#[test]
fn batch_bad_lines_are_reported_with_their_number() {
    let good = "2026-03-16T16:30:00+07:00,30m\n";
    fails(
        &["due", "-c", "innovasia", "--batch", "-"],
        Some(&format!("{good}{good}nonsense\n")),
        "line 3",
    );
    fails(
        &["due", "-c", "innovasia", "--batch", "-"],
        Some(&format!("{good}2026-03-16T16:30:00+07:00,3x\n")),
        "line 2",
    );
    fails(
        &["due", "-c", "innovasia", "--batch", "-"],
        Some("2026-02-30T10:00:00+07:00,1h\n"),
        "line 1",
    );
    fails(
        &["due", "-c", "innovasia", "--batch", "-"],
        Some("\n"),
        "line 1",
    );
    fails(
        &["due", "-c", "innovasia", "--batch", "/no/such/file"],
        None,
        "cannot read /no/such/file",
    );
    let (code, _, err) = run(
        &["due", "-c", "innovasia", "--batch", "-"],
        Some("\u{0}\u{fffd}\n"),
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn coverage_warnings_go_to_stderr() {
    let (code, out, err) = run(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2027-12-30T10:00:00+07:00",
            "--add",
            "5bd",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1);
    assert!(
        err.starts_with(
            "tenggat: warning: holiday set `id-national` covers 2024-01-01 to 2027-12-31"
        ),
        "{err}"
    );
    let (code, _, err) = run(
        &["due", "-c", "innovasia", "--batch", "-"],
        Some("2026-01-05T10:00:00+07:00,1h\n2028-01-05T10:00:00+07:00,1h\n"),
    );
    assert_eq!(code, 0);
    assert!(err.contains("1 line(s), the first at line 2"), "{err}");
    let (_, _, err) = run(
        &[
            "due",
            "-c",
            "24x7",
            "--from",
            "2030-01-01T00:00:00Z",
            "--add",
            "1h",
        ],
        None,
    );
    assert_eq!(err, "", "24x7 has no holidays to run out of");
}

#[test]
fn calendar_show_is_checkable_by_eye() {
    let (code, out, _) = run(
        &[
            "calendar",
            "show",
            "innovasia",
            "--from",
            "2026-03-18",
            "--days",
            "5",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.contains("time zone     Asia/Jakarta"), "{out}");
    assert!(
        out.contains("id-national (") && out.contains("covers 2024-01-01 to 2027-12-31"),
        "{out}"
    );
    let days: Vec<&str> = out.lines().filter(|l| l.starts_with("2026-")).collect();
    assert_eq!(days.len(), 5);
    assert!(
        days[0].starts_with("2026-03-18  wed  09:00-17:00") && days[0].ends_with("8h"),
        "{}",
        days[0]
    );
    assert!(
        days[1].contains("closed") && days[1].contains("Nyepi"),
        "{}",
        days[1]
    );
    assert!(
        days[3].contains("sat") && days[3].contains("Idul Fitri"),
        "{}",
        days[3]
    );
    let (_, _, err) = run(
        &[
            "calendar",
            "show",
            "innovasia",
            "--from",
            "2027-12-30",
            "--days",
            "5",
        ],
        None,
    );
    assert!(
        err.contains("warning: holiday set `id-national` covers 2024-01-01 to 2027-12-31 only"),
        "{err}"
    );
}

#[test]
fn calendar_show_marks_dst_days() {
    let dir = std::env::temp_dir().join(format!("tenggat-ny-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ny.toml");
    std::fs::write(
        &file,
        "timezone = \"America/New_York\"\n[week]\nsun = [\"00:00-04:00\"]\n",
    )
    .unwrap();
    let (code, out, _) = run(
        &[
            "calendar",
            "show",
            file.to_str().unwrap(),
            "--from",
            "2026-03-08",
            "--days",
            "1",
        ],
        None,
    );
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.starts_with("2026-03-08")).unwrap();
    assert!(
        line.contains("00:00-04:00")
            && line.contains(" 3h ")
            && line.contains("UTC offset changes"),
        "{line}"
    );
}

#[test]
fn calendar_check_and_list() {
    let (code, out, _) = run(&["calendar", "check", &data("lunch.toml")], None);
    assert_eq!(code, 0);
    assert!(
        out.ends_with("ok\n")
            && out.contains("company.ics (2 dates, covers 2026-01-01 to 2027-12-31)"),
        "{out}"
    );
    let (code, out, _) = run(&["calendar", "list"], None);
    assert_eq!(code, 0);
    for name in [
        "24x7",
        "ampocloud",
        "innovasia",
        "kinobi",
        "benemica",
        "microsoft-unified",
        "id-national",
        "id-cuti-bersama",
    ] {
        assert!(out.contains(name), "{name} missing from {out}");
    }
}

#[test]
fn every_error_path_is_one_line_and_exit_2() {
    let from = "2026-03-16T10:00:00+07:00";
    fails(
        &["due", "-c", "nope", "--from", from, "--add", "1h"],
        None,
        "unknown calendar \"nope\"",
    );
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2026-03-16T10:00:00",
            "--add",
            "1h",
        ],
        None,
        "expected RFC 3339 with an offset",
    );
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2026-02-30T10:00:00+07:00",
            "--add",
            "1h",
        ],
        None,
        "invalid time",
    );
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "yesterday",
            "--add",
            "1h",
        ],
        None,
        "invalid time",
    );
    fails(
        &["due", "-c", "innovasia", "--from", from, "--add", "1d"],
        None,
        "bd",
    );
    fails(
        &["due", "-c", "innovasia", "--from", from, "--add", "-4h"],
        None,
        "invalid duration",
    );
    fails(
        &["due", "-c", "innovasia", "--from", from, "--add", "P1D"],
        None,
        "invalid duration",
    );
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            from,
            "--add",
            "999999999h",
        ],
        None,
        "invalid duration",
    );
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2300-01-01T00:00:00Z",
            "--add",
            "1h",
        ],
        None,
        "outside the supported range",
    );
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            "2199-12-31T00:00:00Z",
            "--add",
            "60bd",
        ],
        None,
        "outside the supported range",
    );
    fails(&["due", "-c", "innovasia", "--from", from], None, "--add");
    fails(
        &[
            "due",
            "-c",
            "innovasia",
            "--from",
            from,
            "--add",
            "1h",
            "--batch",
            "-",
        ],
        None,
        "cannot be used with",
    );
    fails(&["due", "--from", from, "--add", "1h"], None, "--calendar");
    fails(
        &["elapsed", "-c", "innovasia", "--from", from, "--to", "soon"],
        None,
        "invalid time",
    );
    fails(
        &["elapsed", "-c", "innovasia", "--from", from],
        None,
        "--to",
    );
    fails(&["frobnicate"], None, "unrecognized subcommand");
    fails(&[], None, "subcommand is required");
    fails(&["calendar"], None, "subcommand is required");
    fails(&["due", "--bogus"], None, "unexpected argument");
    fails(
        &[
            "due",
            "-c",
            &data("overlap.toml"),
            "--from",
            from,
            "--add",
            "1h",
        ],
        None,
        "line 5, column 23, field `week.tue[1]`: interval \"11:30-17:00\" overlaps \"09:00-12:00\"",
    );
    fails(
        &["calendar", "check", &data("overlap.toml")],
        None,
        "overlaps",
    );
    fails(
        &["calendar", "check", "/no/such.toml"],
        None,
        "cannot read /no/such.toml",
    );
    fails(
        &["calendar", "show", "innovasia", "--from", "2026-13-01"],
        None,
        "invalid date",
    );
    fails(
        &[
            "calendar",
            "show",
            "innovasia",
            "--from",
            "2026-01-01",
            "--days",
            "0",
        ],
        None,
        "--days",
    );
    fails(
        &[
            "calendar",
            "show",
            "innovasia",
            "--from",
            "2026-01-01",
            "--days",
            "lots",
        ],
        None,
        "invalid value",
    );
}

#[test]
fn bad_calendar_files_name_line_and_field() {
    let dir = std::env::temp_dir().join(format!("tenggat-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "timezone = \"Mars/Olympus\"\n[week]\nmon=[\"09:00-17:00\"]\n",
            "line 1, column 12, field `timezone`: unknown time zone",
        ),
        (
            "timezone = \"UTC\"\nholidays = [\"xx-none\"]\n[week]\nmon=[\"09:00-17:00\"]\n",
            "field `holidays[0]`: unknown holiday set",
        ),
        (
            "timezone = \"UTC\"\nholidays = [\"missing.ics\"]\n[week]\nmon=[\"09:00-17:00\"]\n",
            "cannot read",
        ),
        (
            "timezone = \"UTC\"\nextra_holidays = [\"2026-02-29\"]\n[week]\nmon=[\"09:00-17:00\"]\n",
            "line 2, column 19, field `extra_holidays[0]`",
        ),
        (
            "timezone = \"UTC\"\n[week]\nmon=[\"17:00-09:00\"]\n",
            "line 3, column 6, field `week.mon[0]`: interval \"17:00-09:00\" ends before it starts",
        ),
        (
            "timezone = \"UTC\"\n[week]\nsat=[]\n",
            "field `week`: the week has no working intervals",
        ),
        (
            "timezone = \"UTC\"\n[week]\nmon=[\"09:00-17:00\"]\ntue=\"09:00-17:00\"\n",
            "line 4",
        ),
        ("timezone = \"UTC\"\n[week\n", "line 2"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let file = dir.join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        fails(&["calendar", "check", file.to_str().unwrap()], None, needle);
    }
    let huge = dir.join("huge.toml");
    std::fs::write(&huge, vec![b'#'; 17 * 1024 * 1024]).unwrap();
    fails(
        &["calendar", "check", huge.to_str().unwrap()],
        None,
        "larger than 16 MiB",
    );
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// `tenggat policy` and `tenggat sla evaluate`
// ---------------------------------------------------------------------------------------------

const PRESETS: [&str; 6] = [
    "ampocloud",
    "innovasia",
    "kinobi",
    "benemica",
    "microsoft-unified",
    "microsoft-unified-uer",
];

/// An Innovasia P2 ticket reported on Friday 13 March 2026 at 16:30 WIB.
const P2_FRIDAY: &str =
    "{\"at\":\"2026-03-13T16:30:00+07:00\",\"type\":\"created\",\"priority\":\"P2\"}\n";

/// A scratch directory for one test, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tenggat-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("temp file");
        path.to_str().expect("UTF-8 temp path").to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn json(stdout: &str) -> serde_json::Value {
    assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn metric<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["metrics"]
        .as_array()
        .expect("metrics[]")
        .iter()
        .find(|m| m["metric"] == id)
        .unwrap_or_else(|| panic!("no metric {id} in {v}"))
}

#[test]
fn policy_check_passes_for_every_preset() {
    for name in PRESETS {
        let (code, out, err) = run(&["policy", "check", "--policy", name], None);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(err, "", "{name}");
        assert!(out.ends_with("ok\n"), "{name}: {out}");
        assert!(
            out.contains("priorities") && out.contains("targets"),
            "{out}"
        );
    }
    let (_, out, _) = run(&["policy", "check", "-p", "innovasia"], None);
    assert!(out.contains("priorities   P1, P2, P3"), "{out}");
    assert!(out.contains("kinds        incident"), "{out}");
    let (_, out, _) = run(&["policy", "check", "-p", "microsoft-unified-uer"], None);
    assert!(out.contains("uer (active)"), "{out}");
}

#[test]
fn policy_check_of_a_file() {
    let dir = TempDir::new("policy-ok");
    let file = dir.file("mini.toml", MINI_POLICY);
    let (code, out, err) = run(&["policy", "check", "--policy", &file], None);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(
        out.starts_with("policy       mini 1 — Mini\n") && out.ends_with("ok\n"),
        "{out}"
    );
    assert!(out.contains("priorities   P1, P2"), "{out}");
    assert!(out.contains("1 rule(s): half"), "{out}");
}

/// The line that starts a priority's block in `policy explain` and the two lines after it.
fn priority_block(out: &str, head: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains(head))
        .unwrap_or_else(|| panic!("{head} not in {out}"));
    lines[i..(i + 3).min(lines.len())].join("\n")
}

#[test]
fn policy_explain_in_both_languages() {
    let (code, id, err) = run(&["policy", "explain", "--policy", "innovasia"], None);
    assert_eq!((code, err.as_str()), (0, ""));
    // The priority heads its block; the first line under it is the initial response.
    let p2 = priority_block(&id, "P2 —");
    assert!(p2.contains("Menengah"), "{p2}");
    assert!(
        p2.contains("respons awal 4 jam kerja (Sen–Jum 09.00–17.00 WIB"),
        "{p2}"
    );
    let (_, same, _) = run(
        &["policy", "explain", "--policy", "innovasia", "--lang", "id"],
        None,
    );
    assert_eq!(id, same, "--lang id is the default");
    let (code, en, _) = run(
        &["policy", "explain", "--policy", "innovasia", "--lang", "en"],
        None,
    );
    assert_eq!(code, 0);
    let p2 = priority_block(&en, "P2 —");
    assert!(
        p2.contains("initial response 4 business hours (Mon–Fri 09:00–17:00 WIB"),
        "{p2}"
    );
    for name in PRESETS {
        for lang in ["id", "en"] {
            let (code, out, err) = run(&["policy", "explain", "-p", name, "--lang", lang], None);
            assert_eq!(code, 0, "{name} {lang}: {err}");
            assert!(!out.is_empty());
        }
    }
}

#[test]
fn sla_evaluate_json_follows_the_contract() {
    let dir = TempDir::new("sla-json");
    let events = dir.file("p2.jsonl", P2_FRIDAY);
    let (code, out, err) = run(
        &[
            "sla",
            "evaluate",
            "--policy",
            "innovasia",
            "--events",
            &events,
            "--now",
            "2026-03-16T09:00:00+07:00",
            "--json",
        ],
        None,
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let v = json(&out);
    // 30 minutes on Friday, 3.5 hours on Monday.
    let response = metric(&v, "response");
    assert_eq!(response["state"], "running");
    assert_eq!(response["due"], "2026-03-16T12:30:00+07:00");
    assert_eq!(response["met_at"], serde_json::Value::Null);
    assert_eq!(response["breached_at"], serde_json::Value::Null);
    assert_eq!(response["elapsed_business_seconds"], 1800);
    assert_eq!(response["remaining_business_seconds"], 12600);
    // 3 business days of 8 h: 30 m Friday, Monday, Tuesday, 7 h 30 m Wednesday.
    let resolution = metric(&v, "resolution");
    assert_eq!(resolution["state"], "running");
    assert_eq!(resolution["due"], "2026-03-18T16:30:00+07:00");
    assert_eq!(v["metrics"].as_array().unwrap().len(), 2);
    assert_eq!(v["escalation"]["level"], 1);
    assert_eq!(v["escalation"]["fired"], serde_json::json!([]));
    assert_eq!(v["next_change"], "2026-03-16T12:30:00+07:00");
    assert_eq!(v["priority"], "P2");
}

#[test]
fn sla_evaluate_met_breached_and_escalated() {
    // P1: response 1 h 24×7 met after 20 minutes; resolution 8 h 24×7 with a one-hour pause
    // while waiting on the customer, breached at 01:30; three escalation rules fired.
    let events = "\
{\"at\":\"2026-03-13T16:30:00+07:00\",\"type\":\"created\",\"priority\":\"P1\"}
{\"at\":\"2026-03-13T16:50:00+07:00\",\"type\":\"acknowledged\"}
{\"at\":\"2026-03-13T18:00:00+07:00\",\"type\":\"paused\",\"reason\":\"waiting_on_customer\"}
{\"at\":\"2026-03-13T19:00:00+07:00\",\"type\":\"resumed\"}
";
    let (code, out, err) = run(
        &[
            "sla",
            "evaluate",
            "-p",
            "innovasia",
            "--events",
            "-",
            "--now",
            "2026-03-14T06:00:00+07:00",
            "--json",
        ],
        Some(events),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let v = json(&out);
    let response = metric(&v, "response");
    assert_eq!(response["state"], "met");
    assert_eq!(response["met_at"], "2026-03-13T16:50:00+07:00");
    let resolution = metric(&v, "resolution");
    assert_eq!(resolution["state"], "breached");
    assert_eq!(resolution["breached_at"], "2026-03-14T01:30:00+07:00");
    assert_eq!(v["escalation"]["level"], 3);
    let fired: Vec<(&str, &str)> = v["escalation"]["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fired,
        [
            ("p1-no-workaround-4h", "2026-03-13T21:30:00+07:00"),
            ("resolution-75pct", "2026-03-13T23:30:00+07:00"),
            ("p1-unresolved-8h", "2026-03-14T01:30:00+07:00"),
        ]
    );
    assert_eq!(v["next_change"], serde_json::Value::Null);

    // The same ticket for people.
    let (code, out, _) = run(
        &[
            "sla",
            "evaluate",
            "-p",
            "innovasia",
            "--events",
            "-",
            "--now",
            "2026-03-14T06:00:00+07:00",
        ],
        Some(events),
    );
    assert_eq!(code, 0);
    assert!(out.contains("escalation  level 3 — "), "{out}");
    assert!(
        out.contains("fired     p1-unresolved-8h → level 3 at Sat 2026-03-14 01:30 WIB"),
        "{out}"
    );
    assert!(out.contains("resolution: breached"), "{out}");
    assert!(
        out.contains("stopped   2026-03-13 18:00 → 19:00 WIB (paused: waiting_on_customer)"),
        "{out}"
    );
    assert!(out.contains("next change: none"), "{out}");
}

#[test]
fn sla_evaluate_human_view_shows_the_clock() {
    let (code, out, err) = run(
        &[
            "sla",
            "evaluate",
            "-p",
            "innovasia",
            "--events",
            "-",
            "--now",
            "2026-03-16T10:00:00+07:00",
        ],
        Some(P2_FRIDAY),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.starts_with("policy      innovasia 1.0"), "{out}");
    assert!(out.contains("ticket      priority P2"), "{out}");
    assert!(
        out.contains("now         Mon 2026-03-16 10:00 WIB (2026-03-16T10:00:00+07:00)"),
        "{out}"
    );
    assert!(out.contains("escalation  level 1 — "), "{out}");
    assert!(
        out.contains("response (initial response): running"),
        "{out}"
    );
    assert!(out.contains("target    4h on business"), "{out}");
    assert!(
        out.contains("due       Mon 2026-03-16 12:30 WIB (2026-03-16T12:30:00+07:00)"),
        "{out}"
    );
    assert!(
        out.contains("elapsed   1h30m of 4h (37.5 %), remaining 2h30m"),
        "{out}"
    );
    assert!(
        out.contains("running   2026-03-13 16:30 → 17:00 WIB (30m)"),
        "{out}"
    );
    assert!(
        out.contains("running   2026-03-16 09:00 → 10:00 WIB (1h)"),
        "{out}"
    );
    assert!(
        out.ends_with("next change: Mon 2026-03-16 12:30 WIB (2026-03-16T12:30:00+07:00)\n"),
        "{out}"
    );
}

#[test]
fn sla_evaluate_now_defaults_to_the_last_event() {
    let events = format!(
        "{P2_FRIDAY}\n{{\"at\":\"2026-03-16T10:05:00+07:00\",\"type\":\"acknowledged\"}}\n"
    );
    let (code, out, err) = run(
        &[
            "sla",
            "evaluate",
            "-p",
            "innovasia",
            "--events",
            "-",
            "--json",
        ],
        Some(&events),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let v = json(&out);
    assert_eq!(v["now"], "2026-03-16T10:05:00+07:00");
    let response = metric(&v, "response");
    assert_eq!(response["state"], "met");
    assert_eq!(response["met_at"], "2026-03-16T10:05:00+07:00");
    assert_eq!(response["elapsed_business_seconds"], 5700);
    // Next: the rule `resolution-75pct` fires at 18 of the resolution's 24 business hours.
    assert_eq!(metric(&v, "resolution")["due"], "2026-03-18T16:30:00+07:00");
    assert_eq!(v["next_change"], "2026-03-18T10:30:00+07:00");
}

#[test]
fn sla_evaluate_applies_addons() {
    // Microsoft Severity 1, Azure: Unified Enhanced Response answers within 15 minutes.
    let events = "{\"at\":\"2026-03-13T16:30:00+07:00\",\"type\":\"created\",\"priority\":\"1\",\"product\":\"azure\"}\n";
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "sla",
            "evaluate",
            "--events",
            "-",
            "--now",
            "2026-03-13T16:31:00+07:00",
            "--json",
        ];
        a.extend_from_slice(extra);
        a
    };
    let (code, with_flag, err) = run(
        &args(&["-p", "microsoft-unified", "--addon", "uer"]),
        Some(events),
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let (_, preset, _) = run(&args(&["-p", "microsoft-unified-uer"]), Some(events));
    assert_eq!(with_flag, preset);
    let v = json(&with_flag);
    assert_eq!(v["policy"]["addons"], serde_json::json!(["uer"]));
    assert_eq!(metric(&v, "response")["target"], "15m");
    // Naming an active add-on again changes nothing.
    let (_, again, _) = run(
        &args(&["-p", "microsoft-unified-uer", "--addon", "uer"]),
        Some(events),
    );
    assert_eq!(again, preset);
}

/// A small valid policy; the error cases below break one thing each.
const MINI_POLICY: &str = r#"id = "mini"
version = "1"
name = { id = "Mini", en = "Mini" }
calendar = "business"

[calendars]
business = "innovasia"

[[priorities]]
id = "P1"
name = { id = "Tinggi", en = "High" }

[[priorities]]
id = "P2"
name = { id = "Rendah", en = "Low" }

[[kinds]]
id = "incident"
name = { id = "Insiden", en = "Incident" }

[[targets]]
metric = "response"
target = "4h"
paused_by = ["waiting_on_customer"]

[escalation]
levels = [
  { level = 1, name = { id = "L1", en = "L1" }, role = { id = "R1", en = "R1" } },
  { level = 2, name = { id = "L2", en = "L2" }, role = { id = "R2", en = "R2" } },
]

[[escalation.rules]]
id = "half"
level = 2
metric = "response"
percent = 50
"#;

#[test]
fn bad_policy_files_name_line_and_field() {
    let dir = TempDir::new("policy-bad");
    let cases = [
        (
            "unknown-calendar",
            MINI_POLICY.replace(
                "target = \"4h\"\n",
                "target = \"4h\"\ncalendar = \"nowhere\"\n",
            ),
            "line 24, column 12, field `targets[0].calendar`: unknown calendar \"nowhere\"",
        ),
        (
            "unknown-pause-reason",
            MINI_POLICY.replace("\"waiting_on_customer\"", "\"coffee_break\""),
            "line 24, column 13, field `targets[0].paused_by`: unknown pause reason \"coffee_break\"",
        ),
        (
            "percent-over-100",
            MINI_POLICY.replace("percent = 50", "percent = 150"),
            "line 36, column 11, field `escalation.rules[0].percent`: percent must be more than 0 and at most 100, found 150",
        ),
        (
            "duplicate-priority",
            MINI_POLICY.replace("id = \"P2\"", "id = \"P1\""),
            "line 14, column 6, field `priorities[1].id`: priority \"P1\" is defined twice",
        ),
        (
            "missing-target",
            MINI_POLICY.replace(
                "target = \"4h\"\n",
                "target = \"4h\"\npriority = [\"P1\"]\n",
            ),
            "line 13, column 1, field `targets`: priority \"P2\" has no target",
        ),
        (
            "syntax",
            MINI_POLICY.replace("[calendars]", "[calendars"),
            "line 6",
        ),
    ];
    for (name, text, needle) in &cases {
        assert_ne!(text, MINI_POLICY, "{name}: the case changes the policy");
        let file = dir.file(&format!("{name}.toml"), text);
        fails(
            &["policy", "check", "--policy", &file],
            None,
            &format!("{file}: {needle}"),
        );
        fails(&["policy", "explain", "-p", &file], None, needle);
        fails(
            &["sla", "evaluate", "-p", &file, "--events", "-"],
            Some(P2_FRIDAY),
            needle,
        );
    }
    let huge = dir.file("huge.toml", &"#".repeat(17 * 1024 * 1024));
    fails(
        &["policy", "check", "-p", &huge],
        None,
        "larger than 16 MiB",
    );
}

#[test]
fn bad_event_streams_name_the_line() {
    let evaluate = ["sla", "evaluate", "-p", "innovasia", "--events", "-"];
    // Events are taken in time order: this acknowledgement comes before the report.
    let ack = "{\"at\":\"2026-03-13T16:00:00+07:00\",\"type\":\"acknowledged\"}\n";
    fails(
        &evaluate,
        Some(&format!(
            "{P2_FRIDAY}\n{{\"at\":\"2026-03-16T10:00:00+07:00\",\n"
        )),
        "<stdin>: line 3: not JSON",
    );
    fails(&evaluate, Some(&format!("{P2_FRIDAY}[1,2]\n")), "line 2");
    fails(
        &evaluate,
        Some(&format!(
            "{P2_FRIDAY}{{\"at\":\"2026-03-16T10:00:00+07:00\",\"type\":\"acked\"}}\n"
        )),
        "line 2: unknown event type \"acked\"",
    );
    fails(
        &evaluate,
        Some(&format!(
            "{P2_FRIDAY}{{\"at\":\"2026-03-16T10:00:00\",\"type\":\"acknowledged\"}}\n"
        )),
        "line 2: \"at\"",
    );
    fails(
        &evaluate,
        Some(&format!(
            "{P2_FRIDAY}{{\"at\":\"2026-03-16T10:00:00+07:00\",\"type\":\"paused\",\"reason\":\"lunch\"}}\n"
        )),
        "line 2: unknown pause reason \"lunch\"",
    );
    fails(
        &evaluate,
        Some("{\"at\":\"2026-03-13T16:30:00+07:00\",\"type\":\"created\",\"priority\":\"P9\"}\n"),
        "unknown priority \"P9\" (this policy has P1, P2, P3)",
    );
    // A priority change to an unknown priority, after --now: still refused.
    fails(
        &[
            "sla",
            "evaluate",
            "-p",
            "innovasia",
            "--events",
            "-",
            "--now",
            "2026-03-16T09:00:00+07:00",
        ],
        Some(&format!(
            "{P2_FRIDAY}{{\"at\":\"2026-03-16T12:00:00+07:00\",\"type\":\"priority\",\"to\":\"P0\"}}\n"
        )),
        "unknown priority \"P0\"",
    );
    fails(
        &evaluate,
        Some(&format!("{ack}{P2_FRIDAY}")),
        "the first event must be \"created\", found \"acknowledged\"",
    );
    fails(&evaluate, Some(""), "no events");
    fails(&evaluate, Some("\n\n"), "no events");
    fails(
        &evaluate,
        Some("{\"at\":\"2300-01-01T00:00:00Z\",\"type\":\"created\",\"priority\":\"P2\"}\n"),
        "line 1: \"at\" 2300-01-01T00:00:00Z: outside the supported range",
    );
    let (code, _, err) = run(&evaluate, Some("\u{0}\n"));
    assert_eq!(code, 2, "{err}");
    fails(
        &[
            "sla",
            "evaluate",
            "-p",
            "innovasia",
            "--events",
            "/no/such.jsonl",
        ],
        None,
        "cannot read /no/such.jsonl",
    );
    let dir = TempDir::new("events");
    let file = dir.file("bad.jsonl", &format!("{P2_FRIDAY}\n\nnot json\n"));
    fails(
        &["sla", "evaluate", "-p", "innovasia", "--events", &file],
        None,
        &format!("{file}: line 4: not JSON"),
    );
    let huge = dir.file("huge.jsonl", &"\n".repeat(17 * 1024 * 1024));
    fails(
        &["sla", "evaluate", "-p", "innovasia", "--events", &huge],
        None,
        "larger than 16 MiB",
    );
}

#[test]
fn policy_and_sla_errors_are_one_line_and_exit_2() {
    fails(
        &["policy", "check", "--policy", "nope"],
        None,
        "unknown policy \"nope\": not a preset (ampocloud, innovasia, kinobi, benemica, microsoft-unified, microsoft-unified-uer) and no such file",
    );
    fails(
        &["policy", "check", "--policy", "/no/such.toml"],
        None,
        "unknown policy \"/no/such.toml\"",
    );
    fails(&["policy", "check"], None, "--policy");
    fails(&["policy"], None, "subcommand is required");
    fails(&["sla"], None, "subcommand is required");
    fails(
        &["policy", "explain", "-p", "innovasia", "--lang", "fr"],
        None,
        "unknown language \"fr\": use id (Bahasa Indonesia) or en (English)",
    );
    let evaluate = |extra: &[&'static str]| {
        let mut a = vec!["sla", "evaluate", "--events", "-"];
        a.extend_from_slice(extra);
        a
    };
    fails(
        &evaluate(&["-p", "nope"]),
        Some(P2_FRIDAY),
        "unknown policy \"nope\"",
    );
    fails(
        &evaluate(&["-p", "innovasia", "--now", "2026-03-16T09:00:00"]),
        Some(P2_FRIDAY),
        "--now: invalid time \"2026-03-16T09:00:00\": expected RFC 3339 with an offset",
    );
    fails(
        &evaluate(&["-p", "innovasia", "--now", "monday"]),
        Some(P2_FRIDAY),
        "--now: invalid time",
    );
    fails(
        &evaluate(&["-p", "innovasia", "--now", "2300-01-01T00:00:00Z"]),
        Some(P2_FRIDAY),
        "outside the supported range",
    );
    fails(
        &evaluate(&["-p", "innovasia", "--now", "2026-03-13T16:00:00+07:00"]),
        Some(P2_FRIDAY),
        "--now 2026-03-13T16:00:00+07:00 is before the ticket's first event (2026-03-13T16:30:00+07:00)",
    );
    fails(
        &evaluate(&["-p", "microsoft-unified", "--addon", "turbo"]),
        Some("{\"at\":\"2026-03-13T16:30:00+07:00\",\"type\":\"created\",\"priority\":\"A\"}\n"),
        "unknown add-on \"turbo\": this policy has uer, rapid_response, azure_event_management",
    );
    fails(
        &evaluate(&["-p", "innovasia", "--addon", "uer"]),
        Some(P2_FRIDAY),
        "unknown add-on \"uer\": this policy has no add-ons",
    );
    fails(&["sla", "evaluate", "-p", "innovasia"], None, "--events");
}

#[test]
fn default_config_is_annotated_and_valid() {
    let (code, out, err) = run(&["default-config"], None);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.contains("database_url = \"sqlite://./tenggat.db\""),
        "{out}"
    );
    assert!(
        out.lines().filter(|l| l.starts_with('#')).count() >= 5,
        "{out}"
    );
}

/// Runs `tenggat` in `dir` with extra environment variables.
fn run_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = tenggat();
    cmd.current_dir(dir)
        .args(args)
        .env_remove("TENGGAT_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_creates_only_the_default_database() {
    let dir = TempDir::new("migrate");
    // No configuration: the default ./tenggat.db is created and migrated.
    let (code, out, err) = run_in(dir.path(), &["migrate"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("up to date"), "{out}");
    assert!(dir.path().join("tenggat.db").is_file());
    // Again: nothing left to apply.
    let (code, out, _) = run_in(dir.path(), &["migrate"], &[]);
    assert_eq!(code, 0);
    assert!(!out.contains("applied"), "{out}");
    // A mistyped URL is an error, never a new empty database.
    let (code, _, err) = run_in(
        dir.path(),
        &["migrate"],
        &[("TENGGAT_DATABASE_URL", "sqlite://./tengat.db")],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!dir.path().join("tengat.db").exists());
    // … unless creation is asked for.
    let (code, _, err) = run_in(
        dir.path(),
        &["migrate", "--create"],
        &[("TENGGAT_DATABASE_URL", "sqlite://./other.db")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("other.db").is_file());
    // Unknown schemes and misspelt keys are errors.
    let (code, _, err) = run_in(
        dir.path(),
        &["migrate"],
        &[("TENGGAT_DATABASE_URL", "mysql://root@localhost/x")],
    );
    assert_eq!(code, 2, "{err}");
    std::fs::write(
        dir.path().join("tenggat.toml"),
        "database_ulr = \"sqlite://./x.db\"\n",
    )
    .unwrap();
    let (code, _, err) = run_in(dir.path(), &["migrate"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("database_ulr"), "{err}");
    // The file is read: it names the database.
    std::fs::write(
        dir.path().join("tenggat.toml"),
        "database_url = \"sqlite://./from-file.db\"\n",
    )
    .unwrap();
    let (code, _, err) = run_in(dir.path(), &["migrate", "--create"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("from-file.db").is_file());
    // The environment wins over the file.
    let (code, _, err) = run_in(
        dir.path(),
        &["migrate", "--create"],
        &[("TENGGAT_DATABASE_URL", "sqlite://./from-env.db")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("from-env.db").is_file());
    // An explicit --config that does not exist is an error.
    let (code, _, err) = run_in(dir.path(), &["migrate", "--config", "nope.toml"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope.toml"), "{err}");
}

#[test]
fn migrate_on_postgres_when_configured() {
    let Ok(url) = std::env::var("TENGGAT_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set TENGGAT_TEST_POSTGRES_URL"
        );
        return;
    };
    // A database of its own, made and dropped with psql.
    let name = format!("tenggat_cli_{}", std::process::id());
    let psql = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(&format!("DROP DATABASE IF EXISTS {name}"));
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    let db_url = format!("{base}/{name}");
    let dir = TempDir::new("migrate-pg");
    // It does not exist yet: an error naming it, never a silent creation.
    let (code, _, err) = run_in(
        dir.path(),
        &["migrate"],
        &[("TENGGAT_DATABASE_URL", &db_url)],
    );
    assert_eq!(code, 2, "{err}");
    psql(&format!("CREATE DATABASE {name}"));
    let (code, out, err) = run_in(
        dir.path(),
        &["migrate"],
        &[("TENGGAT_DATABASE_URL", &db_url)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("up to date"), "{out}");
    let (code, out, _) = run_in(
        dir.path(),
        &["migrate"],
        &[("TENGGAT_DATABASE_URL", &db_url)],
    );
    assert_eq!(code, 0);
    assert!(!out.contains("applied"), "{out}");
    psql(&format!("DROP DATABASE {name}"));
}

#[test]
fn admin_setup_link_issues_a_new_link() {
    let dir = TempDir::new("setup-link");
    // No database yet: an error, and no database is created for it.
    let (code, _, err) = run_in(
        dir.path(),
        &["admin", "setup-link", "--email", "admin@localhost"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!dir.path().join("tenggat.db").exists());
    // A first run of the server makes the admin; stop it once it has printed its link.
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("tenggat"))
        .current_dir(dir.path())
        .args(["serve"])
        .env_remove("TENGGAT_DATABASE_URL")
        .env("TENGGAT_LISTEN", "127.0.0.1:0")
        .env("TENGGAT_PUBLIC_URL", "https://desk.example")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().expect("stdout")),
        &mut first,
    )
    .expect("first line");
    server.kill().ok();
    server.wait().ok();
    assert!(
        first.starts_with("first run: set the admin password at https://desk.example/setup/"),
        "{first}"
    );
    let (code, out, err) = run_in(
        dir.path(),
        &["admin", "setup-link", "--email", "admin@localhost"],
        &[("TENGGAT_PUBLIC_URL", "https://desk.example")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("https://desk.example/setup/"), "{out}");
    assert!(!first.contains(out.trim()), "a new token");
    let (code, _, err) = run_in(
        dir.path(),
        &["admin", "setup-link", "--email", "nobody@localhost"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nobody@localhost"), "{err}");
}
