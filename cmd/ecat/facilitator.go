package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/web"
)

func cmdFacilitator(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("facilitator: say add or token")
	}
	switch args[0] {
	case "add":
		return cmdFacilitatorAdd(ctx, cfg, args[1:], stdin, stdout)
	case "token":
		return cmdFacilitatorToken(ctx, cfg, args[1:], stdout)
	}
	return usagef("facilitator: unknown subcommand %q", args[0])
}

// cmdFacilitatorAdd creates an account. The password is the first line of standard
// input (typed, or piped from a secrets manager), never a flag.
func cmdFacilitatorAdd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("facilitator add")
	cfg.bind(fs, false, false)
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	name := fs.String("name", "", "name shown in the workspace")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Password (at least 12 characters), then Enter:")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	f, err := assessment.NewFacilitator(*email, *name, password)
	if err != nil {
		return usagef("facilitator add: %s", describeValidation(err))
	}
	f.PasswordHash = web.HashPassword(password)
	store, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CreateFacilitator(ctx, f); err != nil {
		if errors.Is(err, assessment.ErrDuplicate) {
			return fmt.Errorf("a facilitator with e-mail %s exists already", f.Email)
		}
		return err
	}
	fmt.Fprintf(stdout, "Facilitator %d created: %s <%s>\n", f.ID, f.Name, f.Email)
	return nil
}

// cmdFacilitatorToken creates an API token and prints it as the last line, alone, so a
// script can take it with `tail -n 1`.
func cmdFacilitatorToken(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := newFlagSet("facilitator token")
	cfg.bind(fs, false, false)
	email := fs.String("email", "", "the facilitator's e-mail")
	label := fs.String("label", "", "what the token is for")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cleanLabel, err := assessment.CheckTokenLabel(*label)
	if err != nil {
		return usagef("facilitator token: %s", describeValidation(err))
	}
	store, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := store.FacilitatorByEmail(ctx, *email)
	if errors.Is(err, assessment.ErrNotFound) {
		return usagef("facilitator token: no facilitator with e-mail %q", *email)
	}
	if err != nil {
		return err
	}
	token := assessment.NewAPIToken()
	t := &assessment.APIToken{FacilitatorID: f.ID, Label: cleanLabel}
	if err := store.CreateAPIToken(ctx, t, assessment.HashToken(token)); err != nil {
		return err
	}
	if err := store.AddAuditEvent(ctx, &assessment.AuditEvent{FacilitatorID: f.ID, Action: assessment.AuditTokenCreated, Detail: cleanLabel + " (command line)"}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API token %d for %s (shown once; only its hash is kept):\n%s\n", t.ID, f.Email, token)
	return nil
}
