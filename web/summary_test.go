package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The team summary from publishing to unpublishing: only a closed round publishes; the
// link reads without signing in and shows the released figures with withheld groups
// withheld, the named themes by count without anyone's words, and the actions agreed;
// the closed round's join link and thanks page point to it; publishing again keeps the
// link; unpublishing makes the link 404; another facilitator gets 404.
func TestTeamSummary(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("summary@example.org", "Sam")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Spring round")
	base := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10)

	const secret = "Only-the-facilitator-reads-this"
	var resume string
	for i := range 3 {
		body := e.completeBody(a.Code, "leadership")
		body["strength"] = map[string]string{"text": secret + " strength " + strconv.Itoa(i), "theme": "relationships"}
		resume = e.createResponse(body)
	}
	staff := e.completeBody(a.Code, "staff") // one: below the threshold, withheld
	staff["opportunity"] = map[string]string{"text": secret + " staff", "theme": "influence"}
	e.createResponse(staff)
	e.newAction(a, "Invite two patient partners to the quality committee")

	if rec := e.bearer(http.MethodPost, base+"/summary", token, nil); rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "assessment_open" {
		t.Fatalf("publishing an open round: %d %s", rec.Code, rec.Body)
	}
	e.closeAssessment(a)
	other := e.newFacilitator("other@example.org", "Other")
	otherToken, _ := e.newAPIToken(other, "")
	if rec := e.bearer(http.MethodPost, base+"/summary", otherToken, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("another facilitator publishes: %d", rec.Code)
	}
	if rec := e.bearer(http.MethodPost, base+"/summary", "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", rec.Code)
	}

	rec := e.bearer(http.MethodPost, base+"/summary", token, nil)
	var pub struct {
		URL         string    `json:"url"`
		PublishedAt time.Time `json:"published_at"`
	}
	decodeJSON(t, rec.Body.Bytes(), &pub)
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(testBaseURL) + `(/s/[0-9a-z]{26})$`).FindStringSubmatch(pub.URL)
	if rec.Code != http.StatusCreated || m == nil || rec.Header().Get("Location") != pub.URL || pub.PublishedAt.IsZero() {
		t.Fatalf("publish: %d %s Location %q", rec.Code, rec.Body, rec.Header().Get("Location"))
	}
	path := m[1]
	again := e.bearer(http.MethodPost, base+"/summary", token, nil)
	if again.Code != http.StatusOK || !strings.Contains(again.Body.String(), pub.URL) {
		t.Errorf("publishing again: %d %s, want 200 with the same link", again.Code, again.Body)
	}

	reader := e.newBrowser() // not signed in
	page := reader.get(path + "?lang=en")
	body := page.Body.String()
	if page.Code != http.StatusOK {
		t.Fatalf("summary page: %d %s", page.Code, body)
	}
	if page.Header().Get("X-Robots-Tag") != "noindex" {
		t.Error("the summary page may be indexed")
	}
	for _, want := range []string{"What our team said: Spring round", "Leadership", "Invite two patient partners to the quality committee",
		"groups with fewer than 3 submitted responses", escaped(t, e.in.Theme("relationships").Title.EN) + "</strong> (3)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if strings.Contains(body, secret) {
		t.Error("the summary shows a respondent's words")
	}
	if !strings.Contains(body, `<td class="score gap">Withheld</td>`) {
		t.Error("the summary's withheld cells do not say why they are empty")
	}
	if strings.Contains(body, escaped(t, e.in.Theme("influence").Title.EN)+"</strong>") {
		t.Error("the summary counts a theme named only in the withheld staff group")
	}
	if strings.Contains(body, "/assessments/") {
		t.Error("the summary links to the facilitator's pages")
	}
	if fr := reader.get(path + "?lang=fr"); !strings.Contains(fr.Body.String(), "Ce que notre équipe a dit") {
		t.Error("no French summary")
	}

	// The closed round's join link and thanks page lead to it.
	if rec := reader.get("/j/" + a.Code); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != path {
		t.Errorf("the closed round's join link: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.newBrowser().get("/r/" + resume + "/thanks"); !strings.Contains(rec.Body.String(), `href="`+path+`"`) {
		t.Errorf("the thanks page does not point to the summary: %d", rec.Code)
	}

	// The assessment page shows the link and a way to unpublish it.
	owner := e.signedIn(f)
	view := owner.get("/assessments/" + strconv.FormatInt(a.ID, 10)).Body.String()
	if !strings.Contains(view, pub.URL) || !strings.Contains(view, "/summary/delete") {
		t.Error("the assessment page does not show the published summary")
	}

	// Words to quote: none unless ticked; only the report's; a forged value stores nothing.
	quotes := owner.get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/summary/texts").Body.String()
	values := regexp.MustCompile(`name="quote" value="([0-9a-f]{16})"`).FindAllStringSubmatch(quotes, -1)
	if len(values) < 4 || !strings.Contains(quotes, secret+" strength 1") || strings.Contains(quotes, secret+" staff") {
		t.Fatalf("the words offered: %d, or a withheld group's words are offered", len(values))
	}
	before := e.dbDump()
	if rec := owner.postForm("/assessments/"+strconv.FormatInt(a.ID, 10)+"/summary/texts", url.Values{"quote": {values[0][1], "ffffffffffffffff"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a forged quote: %d", rec.Code)
	}
	if e.dbDump() != before {
		t.Error("a forged quote stored something")
	}
	pick := regexp.MustCompile(`value="` + values[0][1] + `"><label for="q-[0-9a-f]+">([^<]+)</label>`).FindStringSubmatch(quotes)
	if pick == nil {
		t.Fatal("the first choice's words not found")
	}
	if rec := owner.postForm("/assessments/"+strconv.FormatInt(a.ID, 10)+"/summary/texts", url.Values{"quote": {values[0][1]}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("quote: %d %s", rec.Code, rec.Body)
	}
	body = reader.get(path).Body.String()
	if strings.Count(body, secret) != 1 || !strings.Contains(body, pick[1]) {
		t.Errorf("the summary quotes %d texts, want exactly the one ticked (%q)", strings.Count(body, secret), pick[1])
	}

	if rec := e.bearer(http.MethodDelete, base+"/summary", otherToken, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another facilitator unpublishes: %d", rec.Code)
	}
	if rec := e.bearer(http.MethodDelete, base+"/summary", token, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("unpublish: %d %s", rec.Code, rec.Body)
	}
	if rec := reader.get(path); rec.Code != http.StatusNotFound {
		t.Errorf("the unpublished summary's link: %d", rec.Code)
	}
	if rec := reader.get("/j/" + a.Code); rec.Code == http.StatusSeeOther {
		t.Error("the join link still leads to the unpublished summary")
	}
	if rec := e.bearer(http.MethodDelete, base+"/summary", token, nil); rec.Code != http.StatusNoContent {
		t.Errorf("unpublishing again: %d", rec.Code)
	}

	// Published again through the page: a new link.
	rec = owner.postForm("/assessments/"+strconv.FormatInt(a.ID, 10)+"/summary", url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("publish from the page: %d", rec.Code)
	}
	view = owner.get("/assessments/" + strconv.FormatInt(a.ID, 10) + "?done=summary_published").Body.String()
	if !strings.Contains(view, "The team summary is published") || strings.Contains(view, pub.URL) {
		t.Error("publishing from the page: no notice, or the old link came back")
	}
	trail := strings.Join(e.auditActions(f), " ")
	if strings.Count(trail, "summary_publish") != 2 || strings.Count(trail, "summary_unpublish") != 1 {
		t.Errorf("activity trail %q", trail)
	}
}
