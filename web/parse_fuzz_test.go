package web

import (
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
)

// Fuzz targets for the small parsers of what people and clients send: the sign-in
// redirect target, Accept-Language, join codes and tokens as typed or pasted, and the
// client address the throttles key on. The bodies of the forms and the JSON API are
// fuzzed in fuzz_test.go and, through the whole server, in request_fuzz_test.go.

// FuzzSafeNext: the page a sign-in returns to is this site's, however the browser reads
// it: never another host, even once it drops tabs and newlines and reads "\" as "/".
func FuzzSafeNext(f *testing.F) {
	for _, seed := range []string{"/dashboard", "/assessments/3/report?lang=fr", "//evil.example", "/\\evil.example",
		"/\t/evil.example", "https://evil.example/", "javascript:alert(1)", "/%2f%2fevil.example", "/.\\./evil", "", "/\x7f"} {
		f.Add(seed)
	}
	site, _ := url.Parse("https://ecat.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != next && got != "/dashboard" {
			t.Fatalf("safeNext(%q) = %q: neither the input nor the dashboard", next, got)
		}
		// As a browser reads it: control characters dropped, backslashes as slashes.
		read := strings.ReplaceAll(strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, got), "\\", "/")
		if !strings.HasPrefix(read, "/") || strings.HasPrefix(read, "//") {
			t.Fatalf("safeNext(%q) = %q, which a browser reads as %q", next, got, read)
		}
		if u, err := site.Parse(read); err == nil && (u.Host != site.Host || u.Scheme != site.Scheme) {
			t.Fatalf("safeNext(%q) = %q leads to %s://%s", next, got, u.Scheme, u.Host)
		}
	})
}

// FuzzAcceptLanguage: any header gives a supported language or none, and an explicit
// preference for a supported language is never lost to an unsupported one.
func FuzzAcceptLanguage(f *testing.F) {
	for _, seed := range []string{"fr-CA,fr;q=0.9,en;q=0.8", "en-US", "de, fr;q=0.1", "*", "fr;q=abc, en", "fr;q=0", ";;,,;q=", "FR_ca", "x-klingon;q=1.0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		l, ok := acceptLanguage(header)
		if !ok {
			if l != "" {
				t.Fatalf("acceptLanguage(%q) = %q without ok", header, l)
			}
			// Nothing supported was found: then no part names a supported language
			// with a positive weight given as a plain number.
			for _, part := range strings.Split(header, ",") {
				tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
				if _, supported := locale.Parse(tag); supported && strings.TrimSpace(params) == "" {
					t.Fatalf("acceptLanguage(%q) found nothing, but %q is supported", header, tag)
				}
			}
			return
		}
		if !slices.Contains(locale.Languages(), l) {
			t.Fatalf("acceptLanguage(%q) = %q, not a supported language", header, l)
		}
		if again, _ := acceptLanguage(header); again != l {
			t.Fatalf("acceptLanguage(%q) is not deterministic: %q then %q", header, l, again)
		}
	})
}

var (
	resumeTokenRE = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`)
	apiTokenRE    = regexp.MustCompile(`^ecat_[0-9a-f]{64}$`)
)

// FuzzSecretShapes: what is accepted as a join code, a resume token or an API token has
// exactly their shape, so nothing else reaches a database query; a typed join code
// normalizes to one canonical form that reads back to itself.
func FuzzSecretShapes(f *testing.F) {
	for _, seed := range []string{"7KQ2-M9XD-4HTV-RB3C", "7kq2 m9xd 4htv rb3c", "OIL0-1111-2222-3333", "7KQ2-M9XD-4HTV-RB3", "ſſſſ-ſſſſ-ſſſſ-ſſſſ",
		"wd7nhwj4a11eqydy6wymvs118m", "WD7NHWJ4A11EQYDY6WYMVS118M", "ecat_" + strings.Repeat("ab", 32), "ecat_" + strings.Repeat("AB", 32), "../../etc/passwd", "\x00"} {
		f.Add(seed)
	}
	alphabet := "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	f.Fuzz(func(t *testing.T, s string) {
		if code, ok := assessment.NormalizeJoinCode(s); ok {
			if len(code) != assessment.JoinCodeLength || strings.Trim(code, alphabet) != "" {
				t.Fatalf("NormalizeJoinCode(%q) = %q, not a code", s, code)
			}
			for _, variant := range []string{code, assessment.FormatJoinCode(code), strings.ToLower(code)} {
				if again, ok := assessment.NormalizeJoinCode(variant); !ok || again != code {
					t.Fatalf("NormalizeJoinCode(%q) = %q %v, want %q", variant, again, ok, code)
				}
			}
		} else if code != "" {
			t.Fatalf("NormalizeJoinCode(%q) = %q without ok", s, code)
		}
		if got, want := assessment.LooksLikeResumeToken(s), resumeTokenRE.MatchString(s); got != want {
			t.Fatalf("LooksLikeResumeToken(%q) = %v, want %v", s, got, want)
		}
		if got, want := assessment.LooksLikeAPIToken(s), apiTokenRE.MatchString(s); got != want {
			t.Fatalf("LooksLikeAPIToken(%q) = %v, want %v", s, got, want)
		}
	})
}

// FuzzClientNetwork: the throttles' key for an address is the address for IPv4 (mapped
// or not), the /64 holding it for IPv6, and the input itself when it is no address.
func FuzzClientNetwork(f *testing.F) {
	for _, seed := range []string{"198.51.100.7", "::ffff:198.51.100.7", "2001:db8::1", "fe80::1%eth0", "::", "999.1.1.1", "", "2001:db8::/64"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ip string) {
		key := clientNetwork(ip)
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			if key != ip {
				t.Fatalf("clientNetwork(%q) = %q, want the input", ip, key)
			}
			return
		}
		addr = addr.Unmap()
		if addr.Is4() {
			if key != addr.String() {
				t.Fatalf("clientNetwork(%q) = %q, want %q", ip, key, addr)
			}
			return
		}
		p, err := netip.ParsePrefix(key)
		if err != nil || p.Bits() != 64 || !p.Contains(addr.WithZone("")) || p.Masked() != p {
			t.Fatalf("clientNetwork(%q) = %q, want the /64 holding it", ip, key)
		}
		// Every address of that /64 has the same key.
		b := addr.As16()
		b[15] ^= 0xff
		b[8] ^= 0x01
		if other := clientNetwork(netip.AddrFrom16(b).String()); other != key {
			t.Fatalf("%q and a neighbour in its /64 have keys %q and %q", ip, key, other)
		}
	})
}
