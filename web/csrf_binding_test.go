package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// CSRF tied to the session, and cross-site posts refused. A sibling subdomain can set
// cookies for the parent domain: with a plain double-submit token it could plant a
// cookie value it knows and post the same value as the token. Here the token is bound
// to the browser's cookie and session under the server's key, so neither a planted
// value nor a valid pair taken from the attacker's own visit works; and a request the
// browser marks as coming from another site, or another origin, is refused whatever it
// carries.
func TestCSRFTiedToSessionAndOrigin(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("victim@example.org", "Vic")
	a := e.ownedAssessment(f, "Target round")
	closePath := "/assessments/" + strconv.FormatInt(a.ID, 10) + "/close"

	victim := e.signedIn(f)
	victim.ensureCSRF()
	attacker := e.newBrowser()
	attackerToken := attacker.ensureCSRF() // a valid pair for the attacker's own browser

	for _, c := range []struct {
		name          string
		cookie, token string
	}{
		{"planted cookie posted back as the token", "aa" + attacker.csrfCookieValue()[2:], "aa" + attacker.csrfCookieValue()[2:]},
		{"the attacker's own cookie and token", attacker.csrfCookieValue(), attackerToken},
	} {
		b := e.signedIn(f)
		b.jar.SetCookies(baseURL, []*http.Cookie{{Name: csrfCookie, Value: c.cookie, Path: "/"}})
		rec := b.post(closePath, url.Values{"_csrf": {c.token}})
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", c.name, rec.Code)
		}
		e.assertErrorPage(t, rec, "csrf")
		e.assertUntouched(t, a, c.name)
	}

	token := victim.ensureCSRF()
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.ecat.test"},
		{"Origin", "http://attacker.example"},
	} {
		rec := victim.post(closePath, url.Values{"_csrf": {token}}, h...)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: %s: status %d, want 403", h[0], h[1], rec.Code)
		}
		e.assertUntouched(t, a, h[0]+" "+h[1])
	}
	// The same request from this site goes through.
	if rec := victim.post(closePath, url.Values{"_csrf": {token}}, "Sec-Fetch-Site", "same-origin", "Origin", testBaseURL); rec.Code != http.StatusSeeOther {
		t.Errorf("same-origin close: status %d, want 303", rec.Code)
	}
	// A token from before signing in, or of another session, does not carry over.
	fresh := e.newBrowser()
	before := fresh.ensureCSRF()
	fresh.setSession(e.newSessionID(f, time.Now().Add(time.Hour)))
	if rec := fresh.post("/assessments/"+strconv.FormatInt(a.ID, 10)+"/reopen", url.Values{"_csrf": {before}}); rec.Code != http.StatusForbidden {
		t.Errorf("token from before the session: status %d, want 403", rec.Code)
	}
}
