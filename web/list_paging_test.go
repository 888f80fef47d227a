package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// GET /api/v1/assessments: whole without paging parameters (as v1 clients expect);
// with ?limit= in pages, newest first, each naming the next in Link until the last, so
// following them lists every assessment once; filters by status, team and round, alone
// and with pages; never another facilitator's; bad parameters named at once (422).
func TestAPIListPagesAndFilters(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("pages@example.org", "Page")
	other := e.newFacilitator("other@example.org", "Other")
	token, _ := e.newAPIToken(f, "")
	var ids []int64 // oldest first
	for i := range 7 {
		team := "Ward A"
		if i%2 == 1 {
			team = "Ward B"
		}
		rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Round " + strconv.Itoa(i), "team": team, "language": "en"})
		var a struct{ ID int64 }
		decodeJSON(t, rec.Body.Bytes(), &a)
		ids = append(ids, a.ID)
		if i < 3 {
			e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/close", token, nil)
		}
	}
	e.ownedAssessment(other, "Not mine")

	type item struct {
		ID     int64
		Team   string
		Status string
	}
	list := func(path string) ([]item, string) {
		t.Helper()
		rec := e.bearer(http.MethodGet, path, token, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		var out []item
		decodeJSON(t, rec.Body.Bytes(), &out)
		return out, rec.Header().Get("Link")
	}
	newestFirst := func(pick func(i int) bool) []int64 {
		var want []int64
		for i := len(ids) - 1; i >= 0; i-- {
			if pick(i) {
				want = append(want, ids[i])
			}
		}
		return want
	}
	idsOf := func(items []item) []int64 {
		var out []int64
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	equal := slices.Equal[[]int64]

	all, link := list("/api/v1/assessments")
	if !equal(idsOf(all), newestFirst(func(int) bool { return true })) || link != "" {
		t.Fatalf("whole list %v (Link %q), want %v without Link", idsOf(all), link, newestFirst(func(int) bool { return true }))
	}

	next := regexp.MustCompile(`^<(/api/v1/assessments\?[^>]+)>; rel="next"$`)
	follow := func(path string) []int64 {
		var got []int64
		for pages := 0; path != ""; pages++ {
			if pages > 10 {
				t.Fatal("the pages do not end")
			}
			items, link := list(path)
			got = append(got, idsOf(items)...)
			path = ""
			if link != "" {
				m := next.FindStringSubmatch(link)
				if m == nil {
					t.Fatalf("Link %q", link)
				}
				path = m[1]
			}
		}
		return got
	}
	if got, want := follow("/api/v1/assessments?limit=3"), newestFirst(func(int) bool { return true }); !equal(got, want) {
		t.Errorf("pages of 3: %v, want %v", got, want)
	}
	if items, _ := list("/api/v1/assessments?limit=3"); len(items) != 3 {
		t.Errorf("a page of 3 holds %d", len(items))
	}
	if got, want := follow("/api/v1/assessments?status=closed&limit=2"), newestFirst(func(i int) bool { return i < 3 }); !equal(got, want) {
		t.Errorf("closed, pages of 2: %v, want %v", got, want)
	}
	if got, want := follow("/api/v1/assessments?team=Ward%20B"), newestFirst(func(i int) bool { return i%2 == 1 }); !equal(got, want) {
		t.Errorf("team Ward B: %v, want %v", got, want)
	}
	if got, want := follow("/api/v1/assessments?status=open&team=Ward+A&limit=1"), newestFirst(func(i int) bool { return i >= 3 && i%2 == 0 }); !equal(got, want) {
		t.Errorf("open Ward A, pages of 1: %v, want %v", got, want)
	}
	if got, _ := list("/api/v1/assessments?round=2"); len(got) != 0 {
		t.Errorf("round 2: %v, want none (every one is a first round)", idsOf(got))
	}

	rec := e.bearer(http.MethodGet, "/api/v1/assessments?limit=0&cursor=x&status=archived&round=0&team=%20", token, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad parameters: %d %s", rec.Code, rec.Body)
	}
	fields := decodeAPIError(t, rec).Error.Fields
	for _, name := range []string{"limit", "cursor", "status", "round", "team"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("bad %s not named: %s", name, rec.Body)
		}
	}
	for _, bad := range []string{"limit=201", "limit=abc", "limit=1&limit=2"} {
		if rec := e.bearer(http.MethodGet, "/api/v1/assessments?"+bad, token, nil); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}

// GET /api/v1/assessments/{id}/actions: whole without paging parameters, in the order
// the actions were recorded; with ?limit= in pages whose Link names the next until the
// last; ?status= narrows it, alone and with pages; bad parameters are named at once.
func TestAPIActionListPages(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("plan@example.org", "Plan")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Plan round")
	base := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10) + "/actions"
	var ids, done []int64
	for i := range 7 {
		rec := e.bearer(http.MethodPost, base, token, map[string]any{"text": "Action " + strconv.Itoa(i), "lead": "Lead"})
		var act struct{ ID int64 }
		decodeJSON(t, rec.Body.Bytes(), &act)
		ids = append(ids, act.ID)
		if i%3 == 0 {
			e.bearer(http.MethodPatch, "/api/v1/actions/"+strconv.FormatInt(act.ID, 10), token, map[string]any{"status": "done"})
			done = append(done, act.ID)
		}
	}
	list := func(path string) ([]int64, string) {
		t.Helper()
		rec := e.bearer(http.MethodGet, path, token, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		var out []struct{ ID int64 }
		decodeJSON(t, rec.Body.Bytes(), &out)
		var got []int64
		for _, it := range out {
			got = append(got, it.ID)
		}
		return got, rec.Header().Get("Link")
	}
	if got, link := list(base); !slices.Equal(got, ids) || link != "" {
		t.Fatalf("whole list %v (Link %q), want %v", got, link, ids)
	}
	next := regexp.MustCompile(`^<(/api/v1/assessments/\d+/actions\?[^>]+)>; rel="next"$`)
	follow := func(path string) (got []int64, pages int) {
		for ; path != ""; pages++ {
			if pages > 10 {
				t.Fatal("the pages do not end")
			}
			items, link := list(path)
			got = append(got, items...)
			path = ""
			if link != "" {
				m := next.FindStringSubmatch(link)
				if m == nil {
					t.Fatalf("Link %q", link)
				}
				path = m[1]
			}
		}
		return got, pages
	}
	if got, pages := follow(base + "?limit=3"); !slices.Equal(got, ids) || pages != 3 {
		t.Errorf("pages of 3: %v in %d pages, want %v in 3", got, pages, ids)
	}
	if got, pages := follow(base + "?limit=2&status=done"); !slices.Equal(got, done) || pages != 2 {
		t.Errorf("done, pages of 2: %v in %d pages, want %v in 2", got, pages, done)
	}
	if got, _ := list(base + "?status=planned"); len(got) != len(ids)-len(done) {
		t.Errorf("planned: %v", got)
	}
	rec := e.bearer(http.MethodGet, base+"?limit=0&status=finished&cursor=x", token, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad parameters: %d %s", rec.Code, rec.Body)
	}
	fields := decodeAPIError(t, rec).Error.Fields
	for _, name := range []string{"limit", "status", "cursor"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("bad %s not named: %v", name, fields)
		}
	}
}
