//! `tenggat`: the one binary of the Tenggat service desk.
//!
//! Every failure prints one line on stderr and exits with status 2; nothing panics on input.

mod batch;
mod calendar_arg;
mod cmd_admin;
mod cmd_availability;
mod cmd_calendar;
mod cmd_demo;
mod cmd_migrate;
mod cmd_policy;
mod cmd_probe_agent;
mod cmd_serve;
mod cmd_sla;
mod cmd_time;
mod config;
mod demo_availability;
mod input;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Tenggat — SLA clocks that are exactly right.
#[derive(Debug, Parser)]
#[command(name = "tenggat", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// When is a target due? (`--from T --add D`, or `--batch FILE|-` for bulk)
    Due(DueArgs),
    /// Business time between two instants.
    Elapsed(ElapsedArgs),
    /// Inspect and check business calendars.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Check SLA policies and explain them in plain words.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Evaluate the SLA clocks of a ticket.
    #[command(subcommand)]
    Sla(SlaCommand),
    /// Print an annotated example configuration (tenggat.toml).
    DefaultConfig,
    /// Operator commands on the configured database.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Monthly availability figures from the configured database.
    #[command(subcommand)]
    Availability(AvailabilityCommand),
    /// Run the service desk server (migrates the database first; prints a one-time
    /// password-setup link on first run).
    Serve {
        /// Configuration file (default: ./tenggat.toml when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
    },
    /// Run the provider's monitors from another place and report the samples to the server
    /// (a probe agent registered with `POST /api/v1/probe-agents`). Runs until Ctrl-C.
    ProbeAgent(ProbeAgentArgs),
    /// Bring the configured database's schema up to date.
    Migrate {
        /// Configuration file (default: ./tenggat.toml when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
        /// Create a missing SQLite file (only the default ./tenggat.db is created without it).
        #[arg(long)]
        create: bool,
    },
    /// Load a demo desk: one customer per seed preset, a few hundred realistic tickets and
    /// last month's availability history (refused when the database already holds the demo).
    Demo {
        /// How many tickets to load (1 to 100000).
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        tickets: u32,
        /// Seed of the generated data: the same seed gives the same desk.
        #[arg(long, default_value_t = cmd_demo::DEFAULT_SEED)]
        seed: u64,
        /// Configuration file (default: ./tenggat.toml when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Print a new one-time link for a user to set a password (the old link stops working).
    SetupLink {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        /// Configuration file (default: ./tenggat.toml when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AvailabilityCommand {
    /// A contract's monthly availability per service: minutes in the month, downtime,
    /// excluded and no-data minutes, availability (rounded down), target, credit, claim
    /// deadline, and the maintenance windows that still count as downtime.
    Report(AvailabilityReportArgs),
}

/// Arguments of `tenggat availability report`.
#[derive(Debug, Args)]
struct AvailabilityReportArgs {
    /// The contract's id.
    #[arg(long)]
    contract: i64,
    /// The month, YYYY-MM, counted in the contract's time zone.
    #[arg(long)]
    month: String,
    /// One service of the contract's policy (default: every service).
    #[arg(long)]
    service: Option<String>,
    /// Compute as of this instant, RFC 3339 with an offset (default: now).
    #[arg(long, value_name = "T")]
    now: Option<String>,
    /// Print one JSON object on one line.
    #[arg(long)]
    json: bool,
    /// Configuration file (default: ./tenggat.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

/// Arguments of `tenggat probe-agent`.
#[derive(Debug, Args)]
struct ProbeAgentArgs {
    /// The server's URL, e.g. `https://desk.example.com`.
    #[arg(long, value_name = "URL")]
    server: String,
    /// The agent's token (pat_…); default: the TENGGAT_PROBE_AGENT_TOKEN environment
    /// variable, which keeps it out of the process list.
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// The location the agent was registered for (letters, digits, - _ .).
    #[arg(long, value_name = "NAME")]
    location: String,
    /// A reference target (host:port) the agent checks its own connectivity against before
    /// it reports a service unreachable (repeatable); cut off, its samples are inconclusive.
    #[arg(long = "self-check", value_name = "HOST:PORT")]
    self_check: Vec<String>,
}

/// Arguments of `tenggat due`.
#[derive(Debug, Args)]
struct DueArgs {
    /// Calendar: a built-in name (24x7, ampocloud, innovasia, kinobi, benemica,
    /// microsoft-unified) or a calendar TOML file.
    #[arg(long, short = 'c')]
    calendar: String,
    /// Start instant, RFC 3339 with an offset (2026-03-16T10:00:00+07:00).
    #[arg(long, required_unless_present = "batch", conflicts_with = "batch")]
    from: Option<String>,
    /// Target: 90m, 4h, 1h30m, 3bd (business days), PT4H.
    #[arg(
        long,
        required_unless_present = "batch",
        conflicts_with = "batch",
        allow_hyphen_values = true
    )]
    add: Option<String>,
    /// Read `<RFC3339>,<duration>` lines from FILE (or `-` for stdin); write one due per line.
    #[arg(long, value_name = "FILE|-")]
    batch: Option<String>,
    /// Print `{"due": "<RFC3339>"}`.
    #[arg(long, conflicts_with = "batch")]
    json: bool,
}

/// Arguments of `tenggat elapsed`.
#[derive(Debug, Args)]
struct ElapsedArgs {
    /// Calendar: a built-in name or a calendar TOML file.
    #[arg(long, short = 'c')]
    calendar: String,
    /// Start instant, RFC 3339 with an offset.
    #[arg(long)]
    from: String,
    /// End instant, RFC 3339 with an offset.
    #[arg(long)]
    to: String,
    /// Print `{"business_seconds": N}`.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Print a calendar's week, holiday sets, coverage and the working intervals of each date.
    Show(ShowArgs),
    /// Validate a calendar file; prints a summary or the first error with its line.
    Check {
        /// The calendar TOML file.
        file: String,
    },
    /// List the built-in calendars and holiday sets.
    List,
}

/// Arguments of `tenggat calendar show`.
#[derive(Debug, Args)]
struct ShowArgs {
    /// A built-in name or a calendar TOML file.
    calendar: String,
    /// First date to print (YYYY-MM-DD); default: today in the calendar's time zone.
    #[arg(long)]
    from: Option<String>,
    /// Number of dates to print (1 to 3660).
    #[arg(long, default_value_t = 14)]
    days: u32,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate a policy; prints a summary and `ok`, or the first error with its line and field.
    Check(PolicyArgs),
    /// The policy in plain words, in Bahasa Indonesia (`--lang id`, default) or English.
    Explain {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Language: id (Bahasa Indonesia) or en (English).
        #[arg(long, default_value = "id")]
        lang: String,
    },
}

/// The `--policy` argument.
#[derive(Debug, Args)]
struct PolicyArgs {
    /// A preset (ampocloud, innovasia, kinobi, benemica, microsoft-unified,
    /// microsoft-unified-uer) or a policy TOML file.
    #[arg(long, short = 'p')]
    policy: String,
}

#[derive(Debug, Subcommand)]
enum SlaCommand {
    /// Every clock of one ticket at one instant: state, due, elapsed and remaining business
    /// time, escalation, and the next instant at which anything changes.
    Evaluate(EvaluateArgs),
}

/// Arguments of `tenggat sla evaluate`.
#[derive(Debug, Args)]
struct EvaluateArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    /// The ticket's events as JSON Lines (FILE, or `-` for stdin); the earliest is `created`.
    #[arg(long, value_name = "FILE|-")]
    events: String,
    /// The instant to evaluate at, RFC 3339 with an offset. Default: the instant of the last
    /// event; the wall clock is never read.
    #[arg(long, value_name = "T")]
    now: Option<String>,
    /// Print the result as one JSON object on one line.
    #[arg(long)]
    json: bool,
    /// Apply a contract add-on of the policy (repeatable), e.g. `--addon uer`.
    #[arg(long = "addon", value_name = "ID")]
    addons: Vec<String>,
}

/// mimalloc rather than glibc's malloc: fewer cycles per allocation and no arena-lock
/// contention between the runtime's threads (see `docs/benchmarks.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = match cli.command {
        Command::Due(a) => match a.batch {
            Some(source) => batch::run(&a.calendar, &source),
            None => cmd_time::due(
                &a.calendar,
                a.from.as_deref().unwrap_or_default(),
                a.add.as_deref().unwrap_or_default(),
                a.json,
            ),
        },
        Command::Elapsed(a) => cmd_time::elapsed(&a.calendar, &a.from, &a.to, a.json),
        Command::Calendar(CalendarCommand::Show(a)) => {
            cmd_calendar::show(&a.calendar, a.from.as_deref(), a.days)
        }
        Command::Calendar(CalendarCommand::Check { file }) => cmd_calendar::check(&file),
        Command::Calendar(CalendarCommand::List) => cmd_calendar::list(),
        Command::Serve { config } => cmd_serve::run(config.as_deref()),
        Command::ProbeAgent(a) => {
            let token = a
                .token
                .or_else(|| std::env::var("TENGGAT_PROBE_AGENT_TOKEN").ok());
            cmd_probe_agent::run(&cmd_probe_agent::AgentArgs {
                server: &a.server,
                token: token.as_deref(),
                location: &a.location,
                self_check: &a.self_check,
            })
        }
        Command::Migrate { config, create } => cmd_migrate::run(config.as_deref(), create),
        Command::Demo {
            tickets,
            seed,
            config,
        } => cmd_demo::run(config.as_deref(), tickets, seed),
        Command::Admin(AdminCommand::SetupLink { config, email }) => {
            cmd_admin::setup_link(config.as_deref(), &email)
        }
        Command::Availability(AvailabilityCommand::Report(a)) => {
            cmd_availability::report(&cmd_availability::ReportArgs {
                config: a.config.as_deref(),
                contract: a.contract,
                month: &a.month,
                service: a.service.as_deref(),
                now: a.now.as_deref(),
                json: a.json,
            })
        }
        Command::DefaultConfig => {
            print!("{}", config::annotated_default());
            Ok(())
        }
        Command::Policy(PolicyCommand::Check(a)) => cmd_policy::check(&a.policy),
        Command::Policy(PolicyCommand::Explain { policy, lang }) => {
            cmd_policy::explain(&policy.policy, &lang)
        }
        Command::Sla(SlaCommand::Evaluate(a)) => cmd_sla::evaluate(&cmd_sla::EvaluateArgs {
            policy: &a.policy.policy,
            events: &a.events,
            now: a.now.as_deref(),
            json: a.json,
            addons: &a.addons,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("{e:#}").replace(['\n', '\r'], " ");
            eprintln!("tenggat: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A reader that stopped reading our output (`tenggat due --batch … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Help and version go to stdout as usual; usage errors become one line on stderr, exit 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{}", e.render());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            eprintln!("tenggat: error: a subcommand is required (see tenggat --help)");
            ExitCode::from(2)
        }
        _ => {
            // clap's message may continue on indented lines before the usage block.
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let first = first.trim_start_matches("error: ");
            eprintln!("tenggat: error: {first} (see tenggat --help)");
            ExitCode::from(2)
        }
    }
}
