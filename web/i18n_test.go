package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/templates"
)

// TestEveryMessageTranslated finds the message keys the web code asks for, literal or
// composed, and checks both languages have each one, so no user-facing string falls back
// to its key or to English.
func TestEveryMessageTranslated(t *testing.T) {
	tmpl, err := templates.New(testWords(t))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	literal := regexp.MustCompile(`Message\([a-zA-Z.]+, "([a-z_.]+)"\)`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d literal keys; has the call pattern changed?", len(keys))
	}
	// Composed keys: every value their variable part can take.
	for _, he := range []*httpError{errBodyTooLarge, errUnsupported, errCSRF, errNotFound, errCodeUnknown, errTokenUnknown,
		errClosed, errMethod, errServer, errUnavailable, errUnauthorized, errSignInRequired, errTooMany, errTooManyLookups, malformed("x")} {
		keys["error."+he.Key+".heading"], keys["error."+he.Key+".message"] = true, true
	}
	for _, a := range assessment.Answers {
		keys["answer."+string(a)] = true
	}
	for _, s := range []assessment.Status{assessment.Open, assessment.Closed} {
		keys["status."+string(s)] = true
		keys["assessment.done_"+string(s)] = true
	}
	for _, b := range []string{reports.BandStrength, reports.BandDeveloping, reports.BandOpportunity} {
		keys["band."+b] = true
	}
	for _, a := range []string{assessment.AuditSignIn, assessment.AuditSignOut, assessment.AuditCreate, assessment.AuditClose,
		assessment.AuditReopen, assessment.AuditDelete, assessment.AuditExport, assessment.AuditTokenCreated,
		assessment.AuditTokenRevoked, assessment.AuditAccountCreated} {
		keys["audit."+a] = true
	}
	for _, code := range []string{assessment.CodeInvalid, assessment.CodeUnknown, assessment.CodeTooLong, assessment.CodeTooShort,
		assessment.CodeInvalidUTF8, assessment.CodeControl, assessment.CodeMarkup, assessment.CodeFormula, assessment.CodeDuplicate} {
		keys["field."+code] = true
	}
	for _, k := range []string{"strength", "opportunity"} {
		keys["form."+k+"_label"], keys["form."+k+"_hint"] = true, true
	}
	for key := range keys {
		for _, lang := range locale.Languages() {
			if _, ok := tmpl.Messages(string(lang))[key]; !ok {
				t.Errorf("message %q missing in %s", key, lang)
			}
		}
	}
}
