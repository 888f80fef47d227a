package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

func cmdFacilitator(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("facilitator: say add, password or token")
	}
	switch args[0] {
	case "add":
		return cmdFacilitatorAdd(ctx, cfg, args[1:], stdin, stdout)
	case "password":
		return cmdFacilitatorPassword(ctx, cfg, args[1:], stdin, stdout)
	case "token":
		return cmdFacilitatorToken(ctx, cfg, args[1:], stdout)
	}
	return usagef("facilitator: unknown subcommand %q", args[0])
}

// cmdFacilitatorAdd creates an account, a facilitator unless --role admin says
// otherwise (the installation's first account is an admin whatever is asked). The
// password is the first line of standard input (typed, or piped from a secrets
// manager), never a flag.
func cmdFacilitatorAdd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) (err error) {
	fs := newFlagSet("facilitator add")
	cfg.bind(fs, false, false)
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	name := fs.String("name", "", "name shown in the workspace")
	role := fs.String("role", assessment.RoleFacilitator, "admin or facilitator: an admin sees every assessment and manages the accounts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !assessment.ValidRole(*role) {
		return usagef("facilitator add: --role is admin or facilitator, not %q", *role)
	}
	if _, err := fmt.Fprintln(stdout, "Password (at least 12 characters), then Enter:"); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	account := survey.NewAccount{Email: *email, Name: *name, Password: strings.TrimRight(line, "\r\n")}
	if _, err := assessment.NewFacilitator(account.Email, account.Name, account.Password); err != nil {
		return usagef("facilitator add: %s", describeValidation(err))
	}
	svc, closeDB, err := openService(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	f, err := svc.AddFacilitatorAs(ctx, account, *role)
	switch {
	case errors.Is(err, assessment.ErrDuplicate):
		return fmt.Errorf("a facilitator with e-mail %s exists already", assessment.NormalizeEmail(*email))
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(stdout, "Facilitator %d created: %s <%s>, role %s\n", f.ID, f.Name, f.Email, f.Role)
	return err
}

// cmdFacilitatorPassword sets a new password for an account, read as the first line of
// standard input like add's, and ends the account's sessions: the way back in for a
// facilitator who forgot theirs, or out for someone who should no longer be signed in.
func cmdFacilitatorPassword(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) (err error) {
	fs := newFlagSet("facilitator password")
	cfg.bind(fs, false, false)
	email := fs.String("email", "", "the facilitator's e-mail")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usagef("facilitator password: give --email")
	}
	if _, err := fmt.Fprintln(stdout, "New password (at least 12 characters), then Enter:"); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if err := assessment.CheckPassword(password); err != nil {
		return usagef("facilitator password: %s", describeValidation(err))
	}
	svc, closeDB, err := openService(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	f, err := svc.SetPassword(ctx, *email, password)
	switch {
	case errors.Is(err, assessment.ErrNotFound):
		return fmt.Errorf("no facilitator has e-mail %s", assessment.NormalizeEmail(*email))
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(stdout, "Password changed for %s <%s>; every session of the account has ended.\n", f.Name, f.Email)
	return err
}

// cmdFacilitatorToken creates an API token and prints it as the last line, alone, so a
// script can take it with `tail -n 1`.
func cmdFacilitatorToken(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("facilitator token")
	cfg.bind(fs, false, false)
	email := fs.String("email", "", "the facilitator's e-mail")
	label := fs.String("label", "", "what the token is for")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := assessment.CheckTokenLabel(*label); err != nil {
		return usagef("facilitator token: %s", describeValidation(err))
	}
	svc, closeDB, err := openService(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	token, f, err := svc.CreateTokenAt(ctx, *email, *label)
	switch {
	case errors.Is(err, assessment.ErrNotFound):
		return usagef("facilitator token: no facilitator with e-mail %q", *email)
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(stdout, "API token for %s (shown once; only its hash is kept):\n%s\n", f.Email, token)
	return err
}
