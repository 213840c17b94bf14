package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/twilio"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// stubMessenger fails every send with err, or accepts it.
type stubMessenger struct{ err error }

func (m stubMessenger) Send(context.Context, domain.OutboundMessage) (string, error) {
	if m.err != nil {
		return "", m.err
	}
	return "SM1", nil
}

// stubMappings knows one customer, of store "centro"; the rest of the repository is unused.
type stubMappings struct{ domain.PhoneMappingRepository }

func (stubMappings) GetMapping(_ context.Context, clientID, phone string) (*domain.PhoneMapping, error) {
	return &domain.PhoneMapping{ClientID: clientID, PhoneNumber: phone, StoreID: "centro"}, nil
}

type stubConversations struct{ domain.ConversationRepository }

func newMeteredSender(t *testing.T, err error) (*notify.Sender, *metrics.Memory) {
	t.Helper()
	rec := &metrics.Memory{}
	s, nerr := notify.New(notify.Deps{Messenger: stubMessenger{err}, Mappings: stubMappings{},
		Conversations: stubConversations{}, Metrics: rec})
	if nerr != nil {
		t.Fatal(nerr)
	}
	return s, rec
}

var meteredClient = &domain.Client{ClientID: "demo-burger", TwilioPhoneNumber: "whatsapp:+5511990000002", IsActive: true}

const meteredPhone = "whatsapp:+5511987654321"

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// A reply sent for a turn of a store's customer counts MessagesOut for the brand and store.
func TestReplyCountsMessagesOut(t *testing.T) {
	s, rec := newMeteredSender(t, nil)
	ctx := metrics.WithStore(context.Background(), "centro")
	if ok, err := s.Reply(ctx, discard(), meteredClient, meteredPhone, notify.Text("oi"), time.Now(), false); !ok || err != nil {
		t.Fatalf("Reply = %v, %v", ok, err)
	}
	if got := rec.Sum(metrics.MessagesOut, metrics.Dims{ClientID: "demo-burger", StoreID: "centro"}); got != 1 {
		t.Errorf("MessagesOut{demo-burger, centro} = %v, points %+v", got, rec.Points())
	}
	// Outside the 24-hour window nothing is sent: nothing is counted.
	if ok, _ := s.Reply(ctx, discard(), meteredClient, meteredPhone, notify.Text("oi"), time.Now().Add(-25*time.Hour), false); ok {
		t.Fatal("free text sent outside the window")
	}
	if len(rec.Points()) != 1 {
		t.Errorf("points %+v, want only the sent reply", rec.Points())
	}
}

// A notification takes its store from the customer's mapping.
func TestNotifyCountsMessagesOutWithTheMappingsStore(t *testing.T) {
	s, rec := newMeteredSender(t, nil)
	if err := s.Notify(context.Background(), meteredClient, meteredPhone, notify.Message{ContentSID: "HX1"}); err != nil {
		t.Fatal(err)
	}
	if got := rec.Sum(metrics.MessagesOut, metrics.Dims{ClientID: "demo-burger", StoreID: "centro"}); got != 1 {
		t.Errorf("MessagesOut{demo-burger, centro} = %v, points %+v", got, rec.Points())
	}
}

// Twilio's rate limit (429 or 20429, wrapped as the messenger wraps it) counts a send failure
// and a throttle; another failure counts a send failure only; neither counts MessagesOut.
func TestSendFailuresAndThrottles(t *testing.T) {
	dims := metrics.Dims{ClientID: "demo-burger"}
	for _, tc := range []struct {
		name      string
		err       error
		throttled float64
	}{
		{"HTTP 429", fmt.Errorf("twilio: send: %w", &twilio.Error{Status: 429, Code: twilio.CodeTooManyRequests}), 1},
		{"error 20429", fmt.Errorf("twilio: send: %w", &twilio.Error{Status: 400, Code: twilio.CodeTooManyRequests}), 1},
		{"Twilio 500", fmt.Errorf("twilio: send: %w", &twilio.Error{Status: 500, Code: 20500}), 0},
		{"invalid number", &twilio.Error{Status: 400, Code: twilio.CodeInvalidTo}, 0},
		{"network", errors.New("dial tcp: connection refused"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rec := newMeteredSender(t, tc.err)
			if _, err := s.Reply(context.Background(), discard(), meteredClient, meteredPhone, notify.Text("oi"), time.Now(), false); err == nil {
				t.Fatal("the failure was not returned")
			}
			if got := rec.Sum(metrics.TwilioSendFailures, dims); got != 1 {
				t.Errorf("TwilioSendFailures{demo-burger} = %v, points %+v", got, rec.Points())
			}
			if got := rec.Sum(metrics.TwilioThrottled, dims); got != tc.throttled {
				t.Errorf("TwilioThrottled{demo-burger} = %v, want %v", got, tc.throttled)
			}
			if rec.Total(metrics.MessagesOut) != 0 {
				t.Error("a failed send counted as sent")
			}
		})
	}
}

// Through the real Twilio messenger against a server speaking Twilio's API: Twilio's 429
// (20429) counts a throttle; a 500 counts a send failure only.
func TestTwilioRateLimitCountsThrottled(t *testing.T) {
	tw := twiliotest.NewServer(t)
	messenger, err := twilio.New(twiliotest.StaticCredentials{"demo-burger": tw.Credentials()}, twilio.WithHTTPClient(tw.Client()))
	if err != nil {
		t.Fatal(err)
	}
	rec := &metrics.Memory{}
	s, err := notify.New(notify.Deps{Messenger: messenger, Mappings: stubMappings{}, Conversations: stubConversations{}, Metrics: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx := metrics.WithStore(context.Background(), "centro")
	dims := metrics.Dims{ClientID: "demo-burger", StoreID: "centro"}
	for _, f := range []twiliotest.Failure{twiliotest.TooManyRequests, twiliotest.InternalError} {
		tw.Fail(&f)
		if _, err := s.Reply(ctx, discard(), meteredClient, meteredPhone, notify.Text("oi"), time.Now(), false); err == nil {
			t.Fatalf("Twilio %d: no error", f.Status)
		}
	}
	tw.Fail(nil)
	if _, err := s.Reply(ctx, discard(), meteredClient, meteredPhone, notify.Text("oi"), time.Now(), false); err != nil {
		t.Fatal(err)
	}
	if got := rec.Sum(metrics.TwilioThrottled, dims); got != 1 {
		t.Errorf("TwilioThrottled = %v, want 1; points %+v", got, rec.Points())
	}
	if got := rec.Sum(metrics.TwilioSendFailures, dims); got != 2 {
		t.Errorf("TwilioSendFailures = %v, want 2", got)
	}
	if got := rec.Sum(metrics.MessagesOut, dims); got != 1 {
		t.Errorf("MessagesOut = %v, want 1", got)
	}
}
