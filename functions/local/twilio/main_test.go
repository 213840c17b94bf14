package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/twilio"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

type messagesPage struct {
	Next     int       `json:"next"`
	Messages []message `json:"messages"`
}

func getMessages(t *testing.T, base, query string) messagesPage {
	t.Helper()
	resp, err := http.Get(base + "/local/messages?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p messagesPage
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The runner's messenger (twilio-go with a brand's seeded credentials) reaches the local
// Twilio through twiliotest.RewriteClient; the control API lists what arrived and makes sends
// fail for a while.
func TestLocalTwilio(t *testing.T) {
	l := newLocal()
	srv := httptest.NewServer(l.handler())
	defer srv.Close()
	hc, err := twiliotest.RewriteClient(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	creds := twiliotest.StaticCredentials{}
	for _, tn := range demo.Tenants() {
		creds[tn.Client.ClientID] = domain.TwilioCredentials{AccountSID: tn.Twilio.AccountSID, AuthToken: tn.Twilio.AuthToken}
	}
	m, err := twilio.New(creds, twilio.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	send := func(body string) error {
		_, err := m.Send(context.Background(), domain.OutboundMessage{ClientID: demo.BurgerID, From: demo.BurgerNumber, To: "whatsapp:+5511912345678", Body: body})
		return err
	}
	if err := send("hello"); err != nil {
		t.Fatal(err)
	}
	p := getMessages(t, srv.URL, "after=0")
	if p.Next != 1 || len(p.Messages) != 1 || p.Messages[0].Body != "hello" || p.Messages[0].Seq != 1 || p.Messages[0].At.IsZero() ||
		p.Messages[0].AccountSID != "AC00000000000000000000000000000002" {
		t.Fatalf("messages: %+v", p)
	}

	// 500 for a while, then accepted again without a DELETE.
	if code := post(t, srv.URL+"/local/fail", `{"status":500,"seconds":0.3}`); code != 200 {
		t.Fatalf("fail: %d", code)
	}
	var te *twilio.Error
	if err := send("during the outage"); !errors.As(err, &te) || te.Status != 500 || te.Code != 20500 || twilio.IsPermanent(err) {
		t.Errorf("during the outage: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	if err := send("after"); err != nil {
		t.Errorf("after the outage: %v", err)
	}
	// 429 until DELETE.
	post(t, srv.URL+"/local/fail", `{"status":429}`)
	if err := send("limited"); !errors.As(err, &te) || te.Code != 20429 {
		t.Errorf("rate limited: %v", err)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/local/fail", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("delete: %v", err)
	}
	if err := send("back"); err != nil {
		t.Error(err)
	}

	// A long poll returns as soon as a message arrives; only the new ones.
	done := make(chan messagesPage)
	go func() { done <- getMessages(t, srv.URL, "after=3&wait=5s") }()
	time.Sleep(100 * time.Millisecond)
	if err := send("polled"); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-done:
		if p.Next != 4 || len(p.Messages) != 1 || p.Messages[0].Body != "polled" {
			t.Errorf("long poll: %+v", p)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("the long poll did not return when a message arrived")
	}

	// Bad control requests.
	for _, body := range []string{`{"status":200}`, `not json`, `{"status":500,"seconds":-1}`} {
		if code := post(t, srv.URL+"/local/fail", body); code != 400 {
			t.Errorf("fail %s: %d, want 400", body, code)
		}
	}
	// Another account's token is refused as Twilio does.
	bad, _ := twilio.New(twiliotest.StaticCredentials{demo.BurgerID: {AccountSID: "AC00000000000000000000000000000002", AuthToken: "wrong"}}, twilio.WithHTTPClient(hc))
	if _, err := bad.Send(context.Background(), domain.OutboundMessage{ClientID: demo.BurgerID, From: demo.BurgerNumber, To: "whatsapp:+5511912345678", Body: "x"}); !errors.As(err, &te) || te.Code != 20003 {
		t.Errorf("wrong token: %v", err)
	}
}
