package twiliotest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// post sends a Messages API request through the server's client, as twilio-go would.
func post(t *testing.T, s *twiliotest.Server, method, account, user, pass string, form url.Values) (int, map[string]any) {
	t.Helper()
	u := "https://api.twilio.com/2010-04-01/Accounts/" + account + "/Messages.json"
	req, err := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	return resp.StatusCode, body
}

func valid() url.Values {
	return url.Values{"To": {"whatsapp:+5511987654321"}, "From": {"whatsapp:+5511990000001"}, "Body": {"oi"}}
}

func TestMessageResource(t *testing.T) {
	t.Parallel()
	s := twiliotest.NewServer(t)
	c := s.Credentials()
	status, body := post(t, s, http.MethodPost, c.AccountSID, c.AccountSID, c.AuthToken, valid())
	if status != http.StatusCreated {
		t.Fatalf("status %d, body %v", status, body)
	}
	if !regexp.MustCompile(`^SM[0-9a-f]{32}$`).MatchString(body["sid"].(string)) {
		t.Errorf("sid %v", body["sid"])
	}
	want := map[string]any{
		"status": "queued", "to": "whatsapp:+5511987654321", "from": "whatsapp:+5511990000001",
		"body": "oi", "account_sid": c.AccountSID, "direction": "outbound-api", "api_version": "2010-04-01",
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	for _, k := range []string{"date_created", "date_updated", "uri", "num_segments", "error_code", "price"} {
		if _, ok := body[k]; !ok {
			t.Errorf("field %s missing", k)
		}
	}
	if r := s.Requests()[0]; r.Host != "api.twilio.com" || !r.AuthOK || r.SID != body["sid"] {
		t.Errorf("recorded %+v", r)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	s := twiliotest.NewServer(t)
	c := s.Credentials()
	other := s.AddAccount()
	without := func(k string) url.Values { f := valid(); f.Del(k); return f }
	with := func(k, v string) url.Values { f := valid(); f.Set(k, v); return f }
	cases := []struct {
		name, method, account, user, pass string
		form                              url.Values
		status, code                      int
	}{
		{"no auth", "POST", c.AccountSID, "", "", valid(), 401, 20003},
		{"wrong token", "POST", c.AccountSID, c.AccountSID, other.AuthToken, valid(), 401, 20003},
		{"unknown account", "POST", "AC" + strings.Repeat("0", 32), "AC" + strings.Repeat("0", 32), "x", valid(), 401, 20003},
		{"another account's path", "POST", other.AccountSID, c.AccountSID, c.AuthToken, valid(), 404, 20404},
		{"GET", "GET", c.AccountSID, c.AccountSID, c.AuthToken, nil, 405, 20004},
		{"no To", "POST", c.AccountSID, c.AccountSID, c.AuthToken, without("To"), 400, 21604},
		{"no From", "POST", c.AccountSID, c.AccountSID, c.AuthToken, without("From"), 400, 21603},
		{"invalid To", "POST", c.AccountSID, c.AccountSID, c.AuthToken, with("To", twiliotest.InvalidNumber), 400, 21211},
		{"To not WhatsApp", "POST", c.AccountSID, c.AccountSID, c.AuthToken, with("To", "+5511987654321"), 400, 21211},
		{"no content", "POST", c.AccountSID, c.AccountSID, c.AuthToken, without("Body"), 400, 21619},
		{"bad variables", "POST", c.AccountSID, c.AccountSID, c.AuthToken, with("ContentVariables", "{"), 400, 21656},
	}
	for _, tc := range cases {
		status, body := post(t, s, tc.method, tc.account, tc.user, tc.pass, tc.form)
		if status != tc.status || body["code"] != float64(tc.code) || body["status"] != float64(tc.status) {
			t.Errorf("%s: %d %v, want %d with code %d", tc.name, status, body, tc.status, tc.code)
		}
		if body["more_info"] != "https://www.twilio.com/docs/errors/"+strconv.Itoa(tc.code) {
			t.Errorf("%s: more_info %v", tc.name, body["more_info"])
		}
	}
	// Twilio's documented 401 body, exactly.
	_, body := post(t, s, "POST", c.AccountSID, "", "", valid())
	want := map[string]any{"code": float64(20003), "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": float64(401)}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("401 body %s = %v, want %v", k, body[k], v)
		}
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	s := twiliotest.NewServer(t)
	c := s.Credentials()
	s.Fail(&twiliotest.OutsideWindow)
	if status, body := post(t, s, "POST", c.AccountSID, c.AccountSID, c.AuthToken, valid()); status != 400 || body["code"] != float64(63016) {
		t.Errorf("forced 63016: %d %v", status, body)
	}
	// Credentials are checked before the forced failure, as Twilio would.
	if status, _ := post(t, s, "POST", c.AccountSID, c.AccountSID, "wrong", valid()); status != 401 {
		t.Errorf("bad auth under a forced failure: %d, want 401", status)
	}
	s.Fail(nil)
	if status, _ := post(t, s, "POST", c.AccountSID, c.AccountSID, c.AuthToken, valid()); status != 201 {
		t.Errorf("after Fail(nil): %d, want 201", status)
	}
}

func TestSignDocsExample(t *testing.T) {
	t.Parallel()
	// twilio.com/docs/usage/security, "Validating requests".
	got := twiliotest.Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", map[string]string{
		"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
		"From": "+12349013030", "To": "+18005551212",
	})
	if got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("Sign = %q", got)
	}
}

func TestStaticCredentials(t *testing.T) {
	t.Parallel()
	c := domain.TwilioCredentials{AccountSID: "AC1", AuthToken: "t"}
	src := twiliotest.StaticCredentials{"a": c}
	if got, err := src.TwilioCredentials(context.Background(), "a"); err != nil || got != c {
		t.Errorf("a: %v %v", got, err)
	}
	if _, err := src.TwilioCredentials(context.Background(), "b"); !domain.IsNotFound(err) {
		t.Errorf("b: %v, want ENOTFOUND", err)
	}
}
