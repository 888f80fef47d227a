package templates

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
)

func newEngine(t *testing.T) *Engine {
	t.Helper()
	catalog, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(catalog)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// samples gives every page a body that walks its optional branches.
func samples() map[string]any {
	item := func(id string, errMsg string) map[string]any {
		return map[string]any{"ID": id, "Text": "Statement " + id, "Error": errMsg, "Answer": "Yes",
			"Choices": []map[string]any{
				{"Name": "a." + id, "Value": "yes", "Label": "Yes", "InputID": "a-" + id + "-yes", "Checked": true},
				{"Name": "a." + id, "Value": "no", "Label": "No", "InputID": "a-" + id + "-no", "Checked": false},
			}}
	}
	named := func(key string) map[string]any {
		return map[string]any{"Key": key, "Label": "L", "Hint": "H", "Text": "typed <text>", "TextError": "bad", "ThemeError": "bad theme",
			"ThemeTitle": "Resources", "Max": 1000,
			"Themes": []map[string]any{{"Value": "resources", "Label": "Resources", "Selected": true}}}
	}
	form := map[string]any{
		"Title": "Spring round", "Team": "Ward 4B",
		"Pillar":           map[string]any{"Key": "staff", "Title": "Staff", "Description": "D"},
		"Action":           "/j/CODE/form",
		"Sections":         []map[string]any{{"Title": "Section", "Items": []map[string]any{item("S-01", "Choose"), item("S-02", "")}}},
		"Reflections":      []map[string]any{{"ID": "S-R1", "Text": "Prompt", "Value": "v", "Error": "too long"}},
		"ReflectionsGiven": true,
		"Strength":         named("strength"), "Opportunity": named("opportunity"),
		"Named":    []map[string]any{named("strength"), named("opportunity")},
		"Answered": 1, "Total": 2,
		"Errors": []map[string]any{{"Target": "a-S-01-yes", "Message": "Choose"}},
		"Notice": "saved", "ResumeURL": "http://x/r/tok", "Submitted": false, "MaxReflection": 2000, "LowThreshold": 2,
	}
	summary := map[string]any{
		"A":    map[string]any{"ID": 1, "Title": "Spring", "Team": "4B", "Round": 1, "Status": "open", "Threshold": 3},
		"Code": "AAAA-BBBB-CCCC-DDDD", "JoinURL": "http://x/j/AAAA", "HomeURL": "http://x/", "CreatedAt": "2026-01-01", "StatusText": "Open",
		"Submitted": 4, "Drafts": 1,
		"Pillars": []map[string]any{{"Key": "staff", "Title": "Staff", "Submitted": 4, "Drafts": 1, "Shown": true, "Expected": "5", "Rate": "80%"},
			{"Key": "leadership", "Title": "Leadership", "Submitted": 0, "Drafts": 0}},
		"Expecting": true, "ClosesAt": "2027-03-10 at 13:00 UTC",
	}
	withQR := map[string]any{}
	for k, v := range summary {
		withQR[k] = v
	}
	withQR["QR"], withQR["Open"], withQR["Notice"], withQR["Completion"] = template.HTML("<svg></svg>"), true, "closed", "/assessments/1/completion"
	actionForm := map[string]any{"Action": "/assessments/1/actions", "SubmitKey": "actions.submit_add",
		"Values": map[string]string{"text": "Invite partners", "lead": "", "due": "2027-13-01"},
		"Fields": map[string]string{"lead": "required", "due": "bad date"},
		"Errors": []map[string]any{{"Target": "action-lead", "Message": "required"}},
		"Selects": []map[string]any{{"Name": "pillar", "Options": []map[string]any{{"Value": "", "Label": "All"}, {"Value": "staff", "Label": "Staff", "Selected": true}}},
			{"Name": "status", "Options": []map[string]any{{"Value": "planned", "Label": "Planned"}}}},
	}
	withPlan := map[string]any{}
	for k, v := range withQR {
		withPlan[k] = v
	}
	withPlan["Open"], withPlan["NewAction"], withPlan["NeedAction"], withPlan["Discussed"] = false, actionForm, true, "2027-01-01"
	withPlan["ActionsLater"] = true // the action form itself is action_edit's
	withPlan["Previous"] = map[string]any{"ID": 1, "Round": 1}
	withPlan["CanChange"], withPlan["CanManage"] = true, true
	withPlan["Members"] = []map[string]any{{"Name": "Olive", "Role": "owner"}, {"Name": "Vic", "Role": "viewer"}}
	withPlan["Actions"] = []map[string]any{{"ID": 1, "Text": "Invite partners", "Lead": "Manager", "Support": "Time", "Due": "2027-01-31",
		"PillarTitle": "Staff", "ThemeTitle": "Influence", "Status": "planned", "StatusText": "Planned", "CarriedFromRound": 1,
		"EditURL": "/assessments/2/actions/1/edit", "DeleteURL": "/assessments/2/actions/1/delete"}}
	// The discussion view and its handout share one body.
	step := func(n int, title string) map[string]any {
		return map[string]any{"N": n, "Title": title, "TimeBox": "5 min", "Seconds": 300, "Clock": "5:00"}
	}
	discussion := map[string]any{
		"A": map[string]any{"ID": 1, "Title": "Spring", "Team": "4B", "Round": 2}, "Threshold": 3, "Submitted": 7,
		"ReportURL": "/assessments/1/report?lang=en", "DiscussionURL": "/assessments/1/discussion?lang=en",
		"HandoutURL": "/assessments/1/discussion/handout?lang=en", "ActionsURL": "/assessments/1?lang=en#actions",
		"Included": []string{"Leadership", "Staff"}, "Withheld": []string{"Patient partners"}, "TotalMinutes": 20,
		"Steps":   []map[string]any{step(1, "Framing"), step(2, "Insights"), step(3, "Themes"), step(4, "Decide")},
		"Prompts": []map[string]any{{"Pillar": "Staff", "Prompts": []string{"What gets in the way?"}}},
		"Pillars": []map[string]any{
			{"Title": "Staff", "Strength": map[string]any{"Theme": "Resources", "Count": 2, "Quotes": []string{"typed <text>"}},
				"Opportunity": map[string]any{"Count": 0}, "Highest": map[string]any{"Theme": "Resources", "Score": "80"},
				"Lowest": map[string]any{"Theme": "Influence", "Score": "30"}},
			{"Title": "Leadership", "Strength": map[string]any{"Count": 0}, "Opportunity": map[string]any{"Count": 0}},
		},
		"CommonStrengths": []map[string]any{{"Theme": "Resources", "Count": 3, "Pillars": "Staff, Leadership"}},
		"CommonOpps":      []map[string]any{},
		"Contrasts":       []map[string]any{{"ID": "S-01", "Text": "Statement", "Pillar": "Staff", "Yes": 50, "No": 50}},
		"Hotspots":        []map[string]any{{"ID": "S-02", "Text": "Statement", "Pillar": "Staff", "Unknown": 40}},
		"Gaps": []map[string]any{{"Theme": "Influence", "PillarA": "Staff", "ScoreA": "30", "PillarB": "Leadership",
			"ScoreB": "80", "Points": "50"}},
		"MoreContrasts": 2, "MoreHotspots": 1, "MoreGaps": 0,
		"Reflections": []map[string]any{{"Pillar": "Staff", "Quotes": []map[string]any{{"Text": "typed <text>", "Count": 2}}, "More": 1}},
		"HeatTitles":  []string{"Staff"},
		"Heat":        []map[string]any{{"Theme": "Resources", "Cells": []map[string]string{{"Score": "50", "Band": "developing"}}, "Team": map[string]string{"Missing": "No score"}, "Gap": ""}},
	}
	viewed := map[string]any{}
	for k, v := range form {
		viewed[k] = v
	}
	viewed["Released"] = true
	printed := map[string]any{"Answers": []string{"Yes", "No", "Somewhat", "Unknown"}}
	for k, v := range form {
		printed[k] = v
	}
	return map[string]any{
		"home": map[string]any{"Code": "ABC", "Error": "bad code"},
		"join": map[string]any{"Title": "T", "Team": "X", "Threshold": 1, "LowThreshold": true, "Action": "/j/C/form", "Lang": "en", "Error": "choose",
			"ClosesAt": "2027-03-10 at 13:00 UTC",
			"Pillars":  []map[string]any{{"Key": "staff", "Title": "Staff", "Description": "D", "Role": "R", "Checked": true}}},
		"form":   form,
		"print":  printed,
		"view":   viewed,
		"claim":  map[string]any{"Action": "/r/tok/claim", "JoinURL": "/j/CODE?lang=en", "Open": true},
		"thanks": map[string]any{"Threshold": 2, "LowThreshold": true, "Open": true, "ResumeURL": "http://x/r/tok", "SummaryURL": "/s/tok"},
		"paper": map[string]any{"A": map[string]any{"ID": 1, "Team": "4B", "Round": 1}, "Open": true, "Notice": "entered",
			"Pillars": []map[string]any{{"Key": "staff", "Title": "Staff"}},
			"Entries": []map[string]any{{"Ref": "r1", "Pillar": "Staff", "Status": "Complete", "Updated": "2027-01-01 10:00"}, {"Ref": "r2", "Pillar": "Staff", "Status": "Complete", "Updated": "2027-01-01 10:01", "Released": true}}},
		"members": map[string]any{"A": map[string]any{"ID": 1, "Team": "4B", "Round": 1}, "Manage": true, "Done": "shared", "Role": "viewer",
			"Members": []map[string]any{{"FacilitatorID": 1, "Name": "Olive", "Email": "o@x.org", "Role": "owner"}, {"FacilitatorID": 2, "Name": "Cora", "Email": "c@x.org", "Role": "co_facilitator"}},
			"Fields":  map[string]string{"email": "Unknown"}, "Errors": []map[string]string{{"Target": "member-email", "Message": "Unknown"}}},
		"summary_texts": map[string]any{"A": map[string]any{"ID": 1, "Team": "4B", "Round": 1}, "Error": true,
			"Kinds": []map[string]any{{"Legend": "report.strengths", "Themes": []map[string]any{{"Title": "Resources", "Choices": []map[string]any{{"Value": "ab", "Text": "We pay partners", "Checked": true}}}}}, {"Legend": "report.opportunities"}}},
		"summary": map[string]any{"QuotedStrengths": []string{"We pay partners"}, "QuotedOpportunities": []string{"Share more"},
			"A": map[string]any{"ID": 1, "Title": "Spring", "Team": "4B", "Round": 2}, "Threshold": 3, "Submitted": 6, "ClosedAt": "2027-03-01",
			"Withheld": []string{"Patient partners"}, "PillarTitles": []string{"Staff"},
			"Heat":          []map[string]any{{"Theme": "Resources", "Cells": []map[string]string{{"Score": "50", "Band": "developing"}}, "Team": map[string]string{"Score": "50", "Band": "developing"}}},
			"Strengths":     []map[string]any{{"Title": "Resources", "Count": 2}},
			"Opportunities": []map[string]any{{"Title": "Influence", "Count": 1}},
			"Moved": map[string]any{"Summary": true, "Round": 1, "LeftOut": []string{"Patient partners"}, "Columns": []string{"Staff", "Team"},
				"Rows":    []map[string]any{{"Theme": "Resources", "Cells": []map[string]string{{"Text": "40 → 50", "Change": "+10", "Dir": "up"}}}},
				"Actions": []map[string]any{{"Text": "Invite", "Lead": "Lee", "Due": "2027-01-01", "StatusText": "Done"}}},
			"Actions": []map[string]any{{"Text": "Pay partners", "Lead": "Kim", "Due": "2027-06-01", "StatusText": "Planned"}},
		},
		"error": map[string]any{"Heading": "Not found", "Message": "M", "Hint": "H"},
		"accounts": map[string]any{"Notice": "Ada is now an administrator.", "Error": "Last admin",
			"Link": map[string]any{"Name": "Ada", "Email": "ada@x.org", "URL": "http://x/account/link/tok", "Expires": "2027-01-08 10:00 UTC", "Invite": true},
			"Accounts": []map[string]any{
				{"ID": 1, "Name": "Ada", "Email": "ada@x.org", "Created": "2026-01-01", "RoleText": "Administrator", "StateText": "Active", "Self": true, "Active": true, "Admin": true, "LastAdmin": true},
				{"ID": 2, "Name": "Bo", "Email": "bo@x.org", "Created": "2026-01-02", "RoleText": "Facilitator", "StateText": "Invited", "Active": true, "Invited": true},
				{"ID": 3, "Name": "Cy", "Email": "cy@x.org", "Created": "2026-01-03", "RoleText": "Facilitator", "StateText": "Deactivated"},
			},
			"Invite": map[string]any{"Name": "N", "Email": "bad", "Role": "admin", "Fields": map[string]string{"email": "bad", "role": "choose"},
				"Errors": []map[string]any{{"Target": "invite-email", "Message": "bad"}}}},
		"account_link": map[string]any{"Name": "Ada", "Email": "ada@x.org", "Action": "/account/link/tok", "Invite": true, "Error": "busy",
			"Fields": map[string]string{"password": "too short"}, "Errors": []map[string]any{{"Target": "password", "Message": "too short"}}},
		"handover": map[string]any{"A": map[string]any{"ID": 1, "Title": "Spring", "Team": "4B", "Round": 1}, "Email": "x@y.org",
			"Fields": map[string]string{"email": "unknown"}, "Errors": []map[string]any{{"Target": "handover-email", "Message": "unknown"}}},

		"setup": map[string]any{"Action": "/setup/tok", "Email": "a@b.org", "Name": "Sam",
			"Fields": map[string]string{"password": "too short", "email": "bad"}},
		"login": map[string]any{"Email": "a@b.org", "Next": "/dashboard", "Error": "no match"},
		"dashboard": map[string]any{"Teams": []map[string]any{{"N": 1, "Team": "4B", "Trend": "3 → 4", "Rounds": []map[string]any{summary, summary}}},
			"Shared":    []map[string]any{{"N": 2, "Team": "5C", "SharedAs": "viewer", "Rounds": []map[string]any{summary}}},
			"Others":    []map[string]any{{"N": 3, "Team": "6D", "Rounds": []map[string]any{summary}, "Unit": "Medicine", "Sub": true, "UnitHeading": "Medicine"}},
			"UnitNames": []string{"Medicine", "Surgery <typed>"}, "Unit": "Medicine"},
		"assessment_new": map[string]any{"Title": "T", "Team": "X", "Language": "fr", "Threshold": "2", "NeedConfirm": true,
			"Fields": map[string]string{"threshold": "confirm", "title": "required", "unit": "too long", "closes_at": "passed"},
			"Errors": []map[string]any{{"Target": "title", "Message": "required"}},
			"Unit":   "Medicine", "Units": []string{"Medicine", "Surgery"}, "ClosesAt": "2027-03-10T13:00",
			"Expected": []map[string]any{{"Key": "staff", "Title": "Staff", "Value": "-1", "Error": "whole number"}, {"Key": "leadership", "Title": "Leadership", "Value": "4"}}},
		"assessment":        withPlan,
		"action_edit":       map[string]any{"A": map[string]any{"ID": 1, "Team": "4B", "Round": 2}, "Form": actionForm},
		"invitation":        withQR,
		"assessment_delete": summary,
		"tokens": map[string]any{"NewToken": "ecat_x", "Error": "too long",
			"Tokens": []map[string]any{{"ID": 1, "Label": "script", "Created": "2026-01-01", "LastUsed": "", "Revoked": false}, {"ID": 2, "Label": "", "Revoked": true}}},
		"report": map[string]any{
			"A": map[string]any{"ID": 1, "Title": "Spring", "Team": "4B", "Round": 1}, "Threshold": 3, "Submitted": 6, "Open": true,
			"Included": []string{"Staff"}, "Withheld": []string{"Patient partners"}, "PillarTitles": []string{"Staff", "Patient partners"},
			"Groups": []map[string]any{
				{"Key": "staff", "Title": "Staff", "Submitted": 6, "Held": 1, "NeedMore": 2, "Items": []map[string]any{{"ID": "S-01", "Text": "t", "Score": "50", "BandText": "developing", "Bar": template.HTML("<svg></svg>"), "Counts": map[string]int{"Yes": 1, "Somewhat": 1, "No": 1, "Unknown": 1}}},
					"Sections": []map[string]any{{"Key": "staff-a", "Title": "Roles", "Score": "50", "BandText": "developing", "Items": []map[string]any{{"ID": "S-01", "Text": "t", "Score": "50", "Bar": template.HTML("<svg></svg>"), "Counts": map[string]int{"Yes": 1}}}}}},
				{"Key": "patient_partners", "Title": "Patient partners", "Withheld": true, "Expecting": true, "Expected": 4},
				{"Key": "leadership", "Title": "Leadership", "Submitted": 3, "Expecting": true, "Expected": 4, "Rated": true, "Rate": 75},
			},
			"Heat":      []map[string]any{{"Theme": "Resources", "Cells": []map[string]string{{"Score": "50", "Band": "developing"}}, "Team": map[string]string{"Score": "50", "Band": "developing"}, "Gap": "30"}},
			"Strengths": []map[string]any{{"Title": "Resources", "Count": 3, "Texts": []map[string]any{{"Text": "a", "Count": 2}, {"Text": "b", "Count": 1}}}},
			"Highest":   []map[string]any{{"Title": "Resources", "Score": "50"}},
			"PrintHead": "4B · round 1 · Spring",
			"Overview": map[string]any{
				"Cards": []map[string]any{{"Title": "Team", "Team": true, "Score": "50", "Band": "developing", "BandText": "developing", "Submitted": 6},
					{"Title": "Staff", "Score": "—", "Submitted": 1}, {"Title": "Patient partners", "Withheld": true}},
				"Rows":   []map[string]any{{"Theme": "Resources", "Score": "50", "BandText": "developing", "Chart": template.HTML("<svg></svg>")}},
				"Legend": []map[string]any{{"Title": "Team", "Kind": "team"}, {"Title": "Staff", "Kind": "group", "Mark": template.HTML("<svg></svg>")}, {"Title": "50, 75", "Kind": "limit"}}},
			"SortLinks":   []map[string]any{{"Label": "Checklist", "URL": "/assessments/1/report?lang=en#statements", "Current": true}, {"Label": "Score", "URL": "/assessments/1/report?sort=score&lang=en#statements"}},
			"Reflections": []map[string]any{{"Title": "Staff", "Prompts": []map[string]any{{"Question": "Q?", "Texts": []map[string]any{{"Text": "r", "Count": 2}}}}}},
			"Contrasts":   []map[string]any{{"ID": "S-01", "Text": "t", "Counts": map[string]int{"Yes": 1, "Somewhat": 1, "No": 1, "Unknown": 1}}},
			"Hotspots":    []map[string]any{{"ID": "S-01", "Text": "t", "Percent": map[string]int{"Unknown": 30}}},
		},
		"activity":   []map[string]any{{"When": "2026-01-01", "Action": "Signed in", "Detail": "d", "AssessmentURL": "/assessments/1"}},
		"discussion": discussion,
		"handout":    discussion,
		"password":   map[string]any{"Done": true, "Error": "too many", "Fields": map[string]string{"current_password": "wrong", "password": "too short", "password_confirm": "differ"}, "Errors": []map[string]any{{"Target": "current_password", "Message": "wrong"}}},
		"organization": map[string]any{
			"Units": []map[string]any{{"Value": "Surgery", "Selected": true}, {"Value": "Medicine"}}, "Unit": "Surgery",
			"Themes": []string{"Commitment", "Resources"}, "Download": "/organization.xlsx?lang=en&unit=Surgery",
			"Teams": []map[string]any{
				{"Team": "4B <typed>", "Unit": "Surgery", "URL": "/assessments/1/report", "Round": 2, "Closed": "2026-01-01", "Submitted": 9, "Withheld": "Leadership",
					"Cells": []map[string]any{{"Score": "80.0", "Band": "strength"}, {"Missing": "No score"}}},
				{"Team": "5C", "URL": "/assessments/2/report", "Round": 1, "Submitted": 0, "Cells": []map[string]any{{"Missing": "Withheld"}, {"Missing": "Withheld"}}},
			},
			"Mean":         []map[string]any{{"Score": "80.0", "Band": "strength"}, {"Missing": "No score"}},
			"Distribution": []map[string]any{{"Title": "Commitment", "Score": map[string]any{"Score": "80.0", "Band": "strength"}, "Strength": 1}, {"Title": "Resources", "Score": map[string]any{"Missing": "No score"}}},
			"Pillars":      []map[string]any{{"Title": "Staff", "Score": "80.0", "Band": "strength", "Teams": 1}, {"Title": "Leadership", "Score": "—"}},
			"Strengths":    []map[string]any{{"Title": "Commitment", "Count": 3}},
			"NotClosed":    []map[string]any{{"Team": "6D", "Unit": "", "URL": "/assessments/3", "Round": 1, "Status": "Open"}},
		},
	}
}

// facilitatorPages are rendered signed in, with the facilitator menu.
var facilitatorPages = map[string]bool{"accounts": true, "handover": true, "members": true, "summary_texts": true, "paper": true, "dashboard": true, "assessment_new": true, "assessment": true, "invitation": true,
	"assessment_delete": true, "tokens": true, "activity": true, "report": true, "action_edit": true, "password": true,
	"organization": true}

func TestRenderEveryPage(t *testing.T) {
	e := newEngine(t)
	bodies := samples()
	pages := e.Pages()
	sort.Strings(pages)
	if len(pages) != len(bodies) {
		t.Errorf("pages %v, but samples cover %d: add a sample for each new page", pages, len(bodies))
	}
	for _, name := range pages {
		for _, l := range locale.Languages() {
			lang := string(l)
			t.Run(name+"/"+lang, func(t *testing.T) {
				body, ok := bodies[name]
				if !ok {
					t.Fatalf("no sample body for page %q", name)
				}
				var buf bytes.Buffer
				p := &Page{Lang: lang, Title: "Title", CSRF: "tok", SwitchURL: "/?lang=x", Script: name == "form", RequestID: "rid", Body: body}
				if facilitatorPages[name] {
					p.User, p.Script = "Sam", name == "assessment"
				}
				if err := e.Render(&buf, name, p); err != nil {
					t.Fatal(err)
				}
				html := buf.String()
				for _, want := range []string{`<html lang="` + lang + `"`, "<title>Title · ecat</title>", `<main id="main"`, "</html>"} {
					if !strings.Contains(html, want) {
						t.Errorf("missing %q", want)
					}
				}
				// A key printed instead of its message means a missing translation.
				if m := regexp.MustCompile(`>\s*((?:home|join|form|print|view|thanks|summary|paper|error|errors|field|answer|nav|setup|account|login|dashboard|status|new|assessment|invitation|delete|tokens|activity|audit|report|band|discussion|handout|org)\.[a-z_.]+)\s*<`).FindStringSubmatch(html); m != nil {
					t.Errorf("untranslated key %q in page", m[1])
				}
				if strings.Contains(html, "typed <text>") {
					t.Error("text was not escaped")
				}
			})
		}
	}
}

func TestRenderFailureWritesNothing(t *testing.T) {
	e := newEngine(t)
	var buf bytes.Buffer
	// The form page ranges over .Body.Sections: an int there makes the template fail.
	err := e.Render(&buf, "form", &Page{Lang: "en", Body: map[string]any{"Sections": 42}})
	if err == nil {
		t.Fatal("expected a template error")
	}
	if buf.Len() != 0 {
		t.Errorf("half a page written: %d bytes", buf.Len())
	}
	if err := e.Render(&buf, "nope", &Page{Lang: "en"}); err == nil {
		t.Error("unknown page rendered")
	}
}

func TestCatalogsMatch(t *testing.T) {
	e := newEngine(t)
	en, fr := e.Messages("en"), e.Messages("fr")
	for k, v := range en {
		f, ok := fr[k]
		if !ok || strings.TrimSpace(f) == "" {
			t.Errorf("French message missing for %q", k)
			continue
		}
		if strings.Count(v, "%") != strings.Count(f, "%") {
			t.Errorf("%q: placeholders differ: %q vs %q", k, v, f)
		}
	}
	for k := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("English message missing for %q", k)
		}
	}
}

// TestTemplateKeysExist finds every {{.T "key"}} in the templates and checks both
// catalogs have it.
func TestTemplateKeysExist(t *testing.T) {
	e := newEngine(t)
	re := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	err := fs.WalkDir(htmlFS, "html", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(htmlFS, path)
		if err != nil {
			return err
		}
		matches := re.FindAllStringSubmatch(string(raw), -1)
		if len(matches) == 0 && !strings.HasSuffix(path, "error.html") {
			return errors.New(path + ": no message keys found; is the pattern still right?")
		}
		for _, m := range matches {
			for _, lang := range locale.Languages() {
				if _, ok := e.Messages(string(lang))[m[1]]; !ok {
					t.Errorf("%s uses %q, missing in %s", path, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMessageFallback(t *testing.T) {
	e := newEngine(t)
	if got := e.Message("fr", "answer.yes"); got != "Oui" {
		t.Errorf("fr answer.yes = %q", got)
	}
	if got := e.Message("de", "answer.yes"); got != "Yes" {
		t.Errorf("unknown language should fall back to English, got %q", got)
	}
	if got := e.Message("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
}

// TestStaticAssetsSmall keeps the assets light: what the respondent form page loads
// (app.css and form.js) gets at most a third of that page's 60 KB budget (the whole page
// is measured in web/), and all assets together, whichever pages load them, stay small.
func TestStaticAssetsSmall(t *testing.T) {
	sizes := map[string]int{}
	total := 0
	err := fs.WalkDir(Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sizes[path] = int(info.Size())
		total += int(info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.css", "form.js"} {
		if _, ok := sizes[name]; !ok {
			t.Errorf("asset %s missing", name)
		}
	}
	if respondent := sizes["app.css"] + sizes["form.js"]; respondent > 20_000 {
		t.Errorf("the respondent page's assets are %d bytes; keep them under 20 KB", respondent)
	}
	if total > 40_000 {
		t.Errorf("static assets are %d bytes in all (%v); keep them under 40 KB", total, sizes)
	}
}

// A page says "1 item" and "2 items", "1 élément" and "0 élément": the singular form of
// a counted message where the count takes it, in either language.
func TestCountedMessages(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "Please check 1 item below."}, {"en", 2, "Please check 2 items below."}, {"en", 0, "Please check 0 items below."},
		{"fr", 1, "Veuillez vérifier 1 élément ci-dessous."}, {"fr", 0, "Veuillez vérifier 0 élément ci-dessous."}, {"fr", 3, "Veuillez vérifier 3 éléments ci-dessous."},
	} {
		p := &Page{Lang: tc.lang, messages: e.Messages(tc.lang)}
		if got := p.T("errors.count", tc.n); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s, %d: %q, want it to start %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := e.Counted("en", "login.too_many", 1); !strings.Contains(got, "wait 1 minute before") {
		t.Errorf("Counted(en, login.too_many, 1) = %q", got)
	}
	if got := e.Counted("fr", "login.too_many", 15); !strings.Contains(got, "attendez 15 minutes avant") {
		t.Errorf("Counted(fr, login.too_many, 15) = %q", got)
	}
}
