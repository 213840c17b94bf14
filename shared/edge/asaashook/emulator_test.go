package asaashook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/edge/asaashook"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/wire"
)

// emu is the webhook function as a Lambda wires it (wire.NewWebhooks), against the emulator:
// the dev template's tables, an inbound FIFO queue and the brand's Asaas secret, under names
// of this test's own.
type emu struct {
	hooks    *wire.Webhooks
	repos    *dynamo.Repositories
	sqs      *sqs.Client
	queueURL string
	cfg      wire.Config
	clients  awsclients.TenantClients
}

func newEmu(t *testing.T) *emu {
	t.Helper()
	ctx := domain.NewPlatformContext(context.Background())
	awsCfg := emulatortest.Config(t)
	env := "a" + emulatortest.UniqueSuffix(t)
	tables := emulatortest.Tables(t)
	q := sqs.NewFromConfig(awsCfg)
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbound-" + env + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: created.QueueUrl})
	})
	sm := secretsmanager.NewFromConfig(awsCfg)
	secret := resourcenames.AsaasSecret(env, brand)
	v, _ := json.Marshal(map[string]string{"apiKey": "$aact_key", "webhookToken": token})
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secret), SecretString: aws.String(string(v))}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(secret), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	clients := awsclients.NewStatic(awsCfg)
	repos, err := dynamo.New(tables, dynamo.FromTenantClients(clients))
	if err != nil {
		t.Fatal(err)
	}
	if err := repos.CreateClient(ctx, domaintest.NewClient(brand, brandNumber)); err != nil {
		t.Fatal(err)
	}
	o := domaintest.NewOrder(brand, "paulista", orderID, time.Now())
	o.CustomerPhone = customer
	if err := repos.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	cfg := wire.Config{Env: env, Tables: tables, InboundQueueURL: aws.ToString(created.QueueUrl)}
	hooks, err := wire.NewWebhooks(ctx, cfg, clients, wire.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &emu{hooks: hooks, repos: repos, sqs: q, queueURL: aws.ToString(created.QueueUrl), cfg: cfg, clients: clients}
}

func apiEvent(path, tok, body string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json", "asaas-access-token": tok}}
	ev.RequestContext.HTTP.Method = "POST"
	ev.RequestContext.DomainName = "hooks.example.com"
	return ev
}

// receive takes what the queue holds (a short wait for the first message).
func (e *emu) receive(t *testing.T) []domain.InboundMessage {
	t.Helper()
	ctx := context.Background()
	var out []domain.InboundMessage
	for wait := int32(1); ; wait = 0 {
		res, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			d, err := inboundqueue.Decode(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
			if _, err := e.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Through the real repositories, secret and queue: a paid event is queued once, in the
// customer's group, and acknowledged without a second message once the worker completed
// its claim; a wrong token changes nothing; Twilio's route still answers for itself.
func TestOnTheEmulator(t *testing.T) {
	e := newEmu(t)
	ctx := context.Background()
	path := asaashook.PathPrefix + brand
	body := event(evtID, "PAYMENT_RECEIVED", "57.9", orderID)

	if res, err := e.hooks.HandleAPIGateway(ctx, apiEvent(path, "wrong-token", body)); err != nil || res.StatusCode != 401 {
		t.Fatalf("wrong token: %d %v", res.StatusCode, err)
	}
	tctx := domain.NewContextWithTenant(ctx, brand)
	if st, err := e.repos.Lookup(tctx, brand, domain.PaymentClaimKey(evtID)); err != nil || st != 0 {
		t.Fatalf("a refused delivery left a claim: %v %v", st, err)
	}

	res, err := e.hooks.HandleAPIGateway(ctx, apiEvent(path, token, body))
	if err != nil || res.StatusCode != 200 || res.Body != asaashook.Received {
		t.Fatalf("delivery: %d %q %v", res.StatusCode, res.Body, err)
	}
	got := e.receive(t)
	if len(got) != 1 || got[0].Payment == nil || got[0].Payment.AmountCents != 5790 || got[0].Payment.OrderID != orderID ||
		got[0].From != customer || got[0].To != brandNumber || got[0].MessageSid != domain.PaymentMessageSid(evtID) {
		t.Fatalf("queued %+v", got)
	}
	if st, _ := e.repos.Lookup(tctx, brand, got[0].ClaimKey()); st != domain.ClaimInProgress {
		t.Fatalf("claim %v, want pending until the worker completes it", st)
	}
	// The worker completes it (sqsworker: InboundMessage.ClaimKey).
	if err := e.repos.Complete(tctx, brand, []string{got[0].ClaimKey()}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.hooks.HandleAPIGateway(ctx, apiEvent(path, token, body)); res.StatusCode != 200 {
		t.Fatalf("repeated delivery: %d", res.StatusCode)
	}
	if again := e.receive(t); len(again) != 0 {
		t.Fatalf("a repeated delivery was queued again: %+v", again)
	}

	// Twilio's route goes to Twilio's webhook: unsigned, it is refused there.
	if res, _ := e.hooks.HandleAPIGateway(ctx, apiEvent(resourcenames.WebhookPath, "", "From=x")); res.StatusCode != 403 {
		t.Errorf("unsigned Twilio delivery: %d, want Twilio's 403", res.StatusCode)
	}

	// Without the orders table the payment route answers 503 (Asaas retries) and Twilio's
	// route works on.
	cfg := e.cfg
	cfg.Tables.Orders = ""
	noOrders, err := wire.NewWebhooks(ctx, cfg, e.clients, wire.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := noOrders.HandleAPIGateway(ctx, apiEvent(path, token, body)); res.StatusCode != 503 {
		t.Errorf("without the orders table: %d, want 503", res.StatusCode)
	}
	if res, _ := noOrders.HandleAPIGateway(ctx, apiEvent(resourcenames.WebhookPath, "", "From=x")); res.StatusCode != 403 {
		t.Errorf("Twilio's route without the orders table: %d, want 403", res.StatusCode)
	}
}
