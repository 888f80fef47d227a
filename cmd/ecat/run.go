package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/gctune"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
	"github.com/ecat-project/ecat/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg + " (see `ecat help`)" }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const helpText = `ecat — the Engagement-Capable Assessment Tool

Usage:
  ecat serve      [--addr 127.0.0.1:8080] [--db ecat.db] [--base-url URL]
                  [--metrics] [--log-format text|json]
                  Run the web server (migrates the database first). Stops cleanly on
                  SIGINT/SIGTERM, letting requests in flight finish.
  ecat migrate    [--db ecat.db]
                  Bring the database schema up to date.
  ecat facilitator add --email E --name N [--role admin|facilitator] [--db ecat.db]
                  Create an account (a facilitator unless --role admin; the first account
                  is always an admin); the password is read from standard input.
  ecat facilitator password --email E [--db ecat.db]
                  Set a new password (read from standard input) and end the account's sessions.
  ecat facilitator token --email E [--label L] [--db ecat.db]
                  Create an API token; it is printed as the last line of output.
  ecat assessment create --title T --team X [--owner EMAIL] [--threshold 3]
                  [--lang en|fr] [--confirm-low-threshold] [--unit U]
                  [--expected pillar=n,…] [--closes-at RFC3339] [--db ecat.db]
                  [--base-url URL] [--json]
                  Open a new assessment; prints its id, join code and join link.
                  --owner names the facilitator it belongs to (needed once any exist).
  ecat assessment list  [--db ecat.db]
  ecat assessment close  ID [--db ecat.db]
  ecat assessment reopen ID [--db ecat.db]
  ecat export --assessment ID [--format xlsx|csv|json] -o FILE [--lang en|fr]
                  Write the team report (same anonymity rule as on screen); -o - for stdout.
  ecat export --rollup [--unit U] -o FILE [--lang en|fr]
                  Write the organization's roll-up workbook over every team (or one
                  unit's): each team's latest closed round, withheld groups left out.
  ecat backup --to FILE [--db ecat.db]
                  A consistent copy of a SQLite database, safe while the server runs.
                  (PostgreSQL: use pg_dump.)
  ecat version
  ecat help

Exit status: 0 success, 1 failure, 2 a mistake in the command line.

Settings (a flag wins over its environment variable):
  --addr      ECAT_ADDR      listen address (default 127.0.0.1:8080)
  --db        ECAT_DB        SQLite file path, or a postgres:// DSN (default ecat.db)
  --base-url  ECAT_BASE_URL  public address used in links (default http://ADDR)
  ECAT_LOG_FORMAT            "text" (default) or "json"
  --metrics   ECAT_METRICS   "true" serves Prometheus metrics at /metrics
  ECAT_TRUST_PROXY           "true" behind a reverse proxy that sets X-Forwarded-For
`

// Config is everything the commands read from flags and the environment.
type Config struct {
	Addr       string
	DB         string
	BaseURL    string
	LogFormat  string
	TrustProxy bool
	Metrics    bool
}

func configFromEnv(getenv func(string) string) Config {
	cfg := Config{
		Addr:       getenv("ECAT_ADDR"),
		DB:         getenv("ECAT_DB"),
		BaseURL:    getenv("ECAT_BASE_URL"),
		LogFormat:  getenv("ECAT_LOG_FORMAT"),
		TrustProxy: getenv("ECAT_TRUST_PROXY") == "true",
		Metrics:    getenv("ECAT_METRICS") == "true",
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DB == "" {
		cfg.DB = "ecat.db"
	}
	return cfg
}

// bind adds the shared settings to a command's flag set.
func (cfg *Config) bind(fs *flag.FlagSet, addr, baseURL bool) {
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite file path or postgres:// DSN")
	if addr {
		fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	}
	if baseURL {
		fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public base URL for links")
	}
}

func (cfg *Config) publicBaseURL() string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	return "http://" + cfg.Addr
}

// run is the whole program. stdin is read only by `facilitator add`, for the password,
// so that it never appears on a command line or in shell history.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cfg := configFromEnv(getenv)
	if len(args) == 0 {
		if _, err := fmt.Fprint(stdout, helpText); err != nil {
			return err
		}
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, cfg, rest, stdout)
	case "migrate":
		return cmdMigrate(ctx, cfg, rest, stdout)
	case "assessment":
		return cmdAssessment(ctx, cfg, rest, stdout)
	case "facilitator":
		return cmdFacilitator(ctx, cfg, rest, stdin, stdout)
	case "export":
		return cmdExport(ctx, cfg, rest, stdout)
	case "backup":
		return cmdBackup(ctx, cfg, rest, stdout)
	case "version", "--version":
		_, err := fmt.Fprintf(stdout, "ecat %s (schema %d)\n", version, storage.SchemaVersion())
		return err
	case "help", "--help", "-h":
		_, err := fmt.Fprint(stdout, helpText)
		return err
	}
	return usagef("unknown command %q", cmd)
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses flags wherever they stand among the positional arguments, so
// "close 3 --db x" works like "close --db x 3". The positional ones are left in
// fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return usagef("%s: %v", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openStore opens the database and migrates it (migrate) or checks it is current.
func openStore(ctx context.Context, cfg Config, migrate bool) (*storage.Store, error) {
	store, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if migrate {
		_, _, err = store.Migrate(ctx)
	} else {
		err = store.CheckSchema(ctx)
	}
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return store, nil
}

// openService opens the database as openStore does, with the instrument and the words,
// and returns the use cases over it. close closes the database.
func openService(ctx context.Context, cfg Config, migrate bool, log *slog.Logger) (svc *survey.Service, close func() error, err error) {
	catalog, err := pillars.Load()
	if err != nil {
		return nil, nil, err
	}
	words, err := locale.Load()
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, cfg, migrate)
	if err != nil {
		return nil, nil, err
	}
	return survey.New(store, catalog, words, log), store.Close, nil
}

// closeWith closes with close when fn returns, keeping fn's error first.
func closeWith(err *error, close func() error) {
	if cerr := close(); *err == nil {
		*err = cerr
	}
}

func cmdServe(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("serve")
	cfg.bind(fs, true, true)
	fs.BoolVar(&cfg.Metrics, "metrics", cfg.Metrics, "serve Prometheus metrics at /metrics")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.LogFormat != "" && cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return usagef("serve: --log-format must be text or json")
	}
	log := newLogger(cfg, os.Stderr)
	gc := gctune.ForServer()
	log.Info("garbage collector", "gogc", gc.GOGC, "gogc_from_env", gc.GOGCFromEnv,
		"memory_limit_mib", gc.MemoryLimit>>20, "memory_limit_from_env", gc.MemoryLimitFromEnv)
	svc, closeDB, err := openService(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	tmpl, err := templates.New(svc.Words())
	if err != nil {
		return err
	}
	if err := svc.DeleteExpiredSessions(ctx); err != nil {
		return err
	}
	// Drafts nobody has saved for survey.DraftLifetime go, at start and once a day.
	purge := func() {
		if n, err := svc.PurgeDrafts(ctx); err != nil {
			log.Error("could not purge old drafts", "error", err.Error())
		} else if n > 0 {
			log.Info("purged old drafts", "drafts", n)
		}
	}
	purge()
	go func() {
		tick := time.NewTicker(24 * time.Hour)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				purge()
			}
		}
	}()
	// Rounds whose closing moment has come are closed: at once those that came while the
	// server was down, then every few seconds (answers are refused from the moment itself
	// either way).
	svc.StartClosing(ctx, survey.ClosingInterval, log)
	formKey, err := svc.FormKey(ctx)
	if err != nil {
		return err
	}
	srv := web.New(web.Config{Addr: cfg.Addr, BaseURL: cfg.BaseURL, TrustProxy: cfg.TrustProxy, Metrics: cfg.Metrics, FormKey: formKey}, svc, tmpl, log)
	return srv.ListenAndServe(ctx, func(addr string) {
		log.Info("ecat listening", "addr", addr, "url", "http://"+addr, "db", string(svc.Store().Dialect()), "schema", storage.SchemaVersion(), "version", version)
		base := cfg.BaseURL
		if base == "" {
			base = "http://" + addr
		}
		if err := offerSetupLink(ctx, svc, strings.TrimRight(base, "/"), stdout); err != nil {
			log.Error("could not prepare the setup link", "error", err.Error())
		}
	})
}

// offerSetupLink prints a one-time link to create the first facilitator account, when
// there is none yet. Each start makes a new link; the old one stops working.
func offerSetupLink(ctx context.Context, svc *survey.Service, base string, stdout io.Writer) error {
	token, err := svc.OfferSetupLink(ctx)
	if err != nil || token == "" {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nNo facilitator account exists yet. Open this one-time link to create the first one:\n\n    %s/setup/%s\n\n", base, token)
	return err
}

func cmdBackup(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("backup")
	cfg.bind(fs, false, false)
	to := fs.String("to", "", "file to write the copy to (must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return usagef("backup: give --to FILE")
	}
	if storage.IsPostgresDSN(cfg.DB) {
		return storage.ErrBackupPostgres
	}
	store, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer closeWith(&err, store.Close)
	if err := store.Backup(ctx, *to); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "Backup written to %s\n", *to)
	return err
}

func cmdMigrate(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("migrate")
	cfg.bind(fs, false, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer closeWith(&err, store.Close)
	from, to, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	if from == to {
		_, err = fmt.Fprintf(stdout, "database already at schema version %d\n", to)
	} else {
		_, err = fmt.Fprintf(stdout, "database migrated from schema version %d to %d\n", from, to)
	}
	return err
}

func cmdAssessment(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("assessment: say create, list, close or reopen")
	}
	switch args[0] {
	case "create":
		return cmdAssessmentCreate(ctx, cfg, args[1:], stdout)
	case "list":
		return cmdAssessmentList(ctx, cfg, args[1:], stdout)
	case "close":
		return cmdAssessmentStatus(ctx, cfg, args[1:], stdout, assessment.Closed)
	case "reopen":
		return cmdAssessmentStatus(ctx, cfg, args[1:], stdout, assessment.Open)
	}
	return usagef("assessment: unknown subcommand %q", args[0])
}

type createdJSON struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	JoinURL string `json:"join_url"`
}

func cmdAssessmentCreate(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("assessment create")
	cfg.bind(fs, false, true)
	title := fs.String("title", "", "title of the assessment")
	team := fs.String("team", "", "team name")
	threshold := fs.Int("threshold", assessment.DefaultThreshold, "anonymity threshold (1–20)")
	lang := fs.String("lang", "en", "default language: en or fr")
	confirmLow := fs.Bool("confirm-low-threshold", false, "accept a threshold below 3")
	asJSON := fs.Bool("json", false, "print one JSON object")
	owner := fs.String("owner", "", "e-mail of the facilitator the assessment belongs to")
	unit := fs.String("unit", "", "the program, site or department the team belongs to")
	expected := fs.String("expected", "", "headcount expected per pillar, as pillar=n,… (e.g. staff=25,leadership=4)")
	closesAt := fs.String("closes-at", "", "when the round closes by itself, RFC 3339 (e.g. 2027-03-31T17:00:00-04:00)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("assessment create: unexpected argument %q", fs.Arg(0))
	}
	heads, err := parseExpected(*expected)
	if err != nil {
		return usagef("assessment create: --expected %s", err)
	}
	var closes *time.Time
	if *closesAt != "" {
		t, err := time.Parse(time.RFC3339, *closesAt)
		if err != nil {
			return usagef("assessment create: --closes-at must be a date and time like 2027-03-31T17:00:00-04:00")
		}
		closes = &t
	}
	svc, closeDB, err := openService(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	a, err := svc.CreateAssessmentAt(ctx, *owner, survey.NewAssessment{
		Title: *title, Team: *team, Language: *lang, Threshold: *threshold, ConfirmLowThreshold: *confirmLow,
		Unit: *unit, Expected: heads, ClosesAt: closes,
	})
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		return usagef("assessment create: %s", describeValidation(err))
	case errors.Is(err, survey.ErrOwnerNeeded):
		return usagef("assessment create: give --owner EMAIL (the facilitator it belongs to)")
	case errors.Is(err, assessment.ErrNotFound):
		return usagef("assessment create: no facilitator with e-mail %q", *owner)
	case err != nil:
		return err
	}
	joinURL := cfg.publicBaseURL() + "/j/" + a.Code
	if *asJSON {
		return json.NewEncoder(stdout).Encode(createdJSON{ID: a.ID, Code: a.Code, JoinURL: joinURL})
	}
	_, err = fmt.Fprintf(stdout, "Assessment %d created for %s: %s\nJoin code: %s\nJoin link: %s\n",
		a.ID, a.Team, a.Title, assessment.FormatJoinCode(a.Code), joinURL)
	return err
}

// parseExpected reads --expected: pillar=n pairs separated by commas ("" for none). The
// pillars and the range are checked with the rest of the assessment.
func parseExpected(s string) (map[string]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]int{}
	for _, pair := range strings.Split(s, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if !ok || err != nil || strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("must be pillar=n pairs separated by commas, like staff=25,leadership=4")
		}
		if _, dup := out[strings.TrimSpace(key)]; dup {
			return nil, fmt.Errorf("names %s twice", strings.TrimSpace(key))
		}
		out[strings.TrimSpace(key)] = n
	}
	return out, nil
}

// describeValidation turns field errors into a line for the terminal.
func describeValidation(err error) string {
	var verr *assessment.ValidationError
	if !errors.As(err, &verr) {
		return err.Error()
	}
	var parts []string
	for _, field := range verr.Keys() {
		fe := verr.Fields[field]
		msg := fe.Code
		switch {
		case field == "threshold" && fe.Code == assessment.CodeConfirm:
			msg = "below 3 makes answers easier to single out; add --confirm-low-threshold to accept it"
		case field == "threshold":
			msg = fmt.Sprintf("must be %d to %d", assessment.MinThreshold, assessment.MaxThreshold)
		case fe.Code == assessment.CodeRequired:
			msg = "is required"
		case fe.Code == assessment.CodeTooLong:
			msg = fmt.Sprintf("must be at most %d characters", fe.Limit)
		case fe.Code == assessment.CodeTooShort:
			msg = fmt.Sprintf("must be at least %d characters", fe.Limit)
		case fe.Code == assessment.CodeWeak:
			msg = fmt.Sprintf("needs at least %d different characters", fe.Limit)
		case field == "language":
			msg = "must be en or fr"
		case field == "closes_at" && fe.Code == assessment.CodePast:
			msg = "must be later than now"
		case strings.HasPrefix(field, "expected.") && fe.Code == assessment.CodeUnknown:
			msg = "names no pillar (leadership, staff, patient_partners)"
		case strings.HasPrefix(field, "expected."):
			msg = fmt.Sprintf("must be 0 to %d", assessment.MaxExpected)
		}
		switch {
		case field == "closes_at":
			parts = append(parts, "--closes-at "+msg)
		case strings.HasPrefix(field, "expected."):
			parts = append(parts, "--expected "+strings.TrimPrefix(field, "expected.")+" "+msg)
		case field == "language":
			parts = append(parts, "--lang "+msg)
		case field == "password":
			parts = append(parts, "the password (standard input) "+msg)
		default:
			parts = append(parts, "--"+field+" "+msg)
		}
	}
	return strings.Join(parts, "; ")
}

func cmdAssessmentList(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("assessment list")
	cfg.bind(fs, false, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, closeDB, err := openService(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	list, err := svc.AssessmentsAt(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, "ID\tSTATUS\tROUND\tSUBMITTED\tDRAFTS\tCODE\tTEAM\tTITLE"); err != nil {
		return err
	}
	for _, a := range list {
		var submitted, drafts int
		for _, c := range a.Counts {
			submitted += c.Submitted
			drafts += c.Drafts
		}
		if _, err := fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", a.ID, a.Status, a.Round, submitted, drafts, assessment.FormatJoinCode(a.Code), a.Team, a.Title); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func cmdAssessmentStatus(ctx context.Context, cfg Config, args []string, stdout io.Writer, status assessment.Status) (err error) {
	fs := newFlagSet("assessment " + string(status))
	cfg.bind(fs, false, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var id int64
	if fs.NArg() != 1 {
		return usagef("assessment: give one assessment ID")
	}
	if _, err := fmt.Sscan(fs.Arg(0), &id); err != nil || id <= 0 {
		return usagef("assessment: %q is not an assessment ID", fs.Arg(0))
	}
	svc, closeDB, err := openService(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	change := svc.CloseAt
	if status == assessment.Open {
		change = svc.ReopenAt
	}
	a, err := change(ctx, id)
	if errors.Is(err, assessment.ErrNotFound) {
		return fmt.Errorf("no assessment with ID %d", id)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "Assessment %d is now %s\n", a.ID, a.Status)
	return err
}
