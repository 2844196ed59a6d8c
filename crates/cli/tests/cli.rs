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
