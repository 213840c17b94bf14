package twiliotest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// A server made by NewLocal, served by a process of its own, reached through RewriteClient.
func TestLocalServer(t *testing.T) {
	t.Parallel()
	s := twiliotest.NewLocal()
	if s.Client() != nil || s.URL() != "" {
		t.Error("a local server has no client and no URL of its own")
	}
	c := s.AddAccountWith("AC00000000000000000000000000000009", "localtoken")
	srv := httptest.NewServer(s)
	defer srv.Close()
	hc, err := twiliotest.RewriteClient(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	do := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, "https://api.twilio.com/2010-04-01/Accounts/"+c.AccountSID+"/Messages.json",
			strings.NewReader(url.Values{"To": {"whatsapp:+5511987654321"}, "From": {"whatsapp:+5511990000001"}, "Body": {"oi"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.AccountSID, token)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	before := time.Now()
	if code := do("localtoken"); code != 201 {
		t.Fatalf("status %d", code)
	}
	if code := do("wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	s.Fail(&twiliotest.InternalError)
	if f := s.Failing(); f == nil || f.Code != 20500 {
		t.Errorf("Failing() = %v", f)
	}
	if code := do("localtoken"); code != 500 {
		t.Errorf("failing: %d", code)
	}
	s.Fail(nil)
	if code := do("localtoken"); code != 201 {
		t.Errorf("after: %d", code)
	}
	ms := s.Messages()
	if len(ms) != 2 || ms[0].Received.Before(before) || ms[0].Received.After(ms[1].Received) {
		t.Errorf("messages %+v", ms)
	}
	if got := s.MessagesFrom(1); len(got) != 1 || got[0].SID != ms[1].SID {
		t.Errorf("MessagesFrom(1) = %+v", got)
	}
	if got := s.MessagesFrom(2); len(got) != 0 {
		t.Errorf("MessagesFrom(2) = %+v", got)
	}
	if total, by := s.RequestCount(); total != 4 || by[201] != 2 || by[401] != 1 || by[500] != 1 {
		t.Errorf("RequestCount = %d %v", total, by)
	}
	if r := s.Requests()[0]; r.Host != "api.twilio.com" {
		t.Errorf("Host %q: RewriteClient must keep it", r.Host)
	}
	for _, bad := range []string{"", "ftp://x", "127.0.0.1:80", "http://"} {
		if _, err := twiliotest.RewriteClient(bad, time.Second); err == nil {
			t.Errorf("RewriteClient(%q) accepted", bad)
		}
	}
}
