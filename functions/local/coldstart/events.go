package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// apiDomain is the API Gateway domain the webhook event arrives on; without
// PUBLIC_BASE_URL the webhook checks signatures over https://<domain><path>.
const apiDomain = "abc123defg.execute-api." + region + ".amazonaws.com"

// event is one invocation's payload and how to tell its response is a success.
type event struct {
	function string
	payload  []byte
	timeout  time.Duration // the function's timeout: the deadline header
	check    func(response []byte) error
}

// messageSid is a MessageSid in Twilio's format: SM and 32 hex digits.
func messageSid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "SM" + hex.EncodeToString(b)
}

// customer is a WhatsApp number of a customer never seen before.
func customer() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e8))
	return fmt.Sprintf("whatsapp:+55119%08d", n.Int64())
}

// webhookEvent is what API Gateway (HTTP API, payload format 2.0) hands the webhook for a
// delivery Twilio signed: a new customer's first message to the demo pizzaria.
func webhookEvent() event {
	params := map[string]string{"MessageSid": messageSid(), "SmsMessageSid": "", "AccountSid": "AC" + hex.EncodeToString(make([]byte, 16)),
		"From": customer(), "To": demo.PizzariaNumber, "Body": "Oi, quero fazer um pedido", "NumMedia": "0",
		"ProfileName": "Maria", "WaId": "5511900000000", "ApiVersion": "2010-04-01"}
	params["SmsMessageSid"] = params["MessageSid"]
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	body := form.Encode()
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST " + resourcenames.WebhookPath, RawPath: resourcenames.WebhookPath,
		Headers: map[string]string{
			"content-type":       "application/x-www-form-urlencoded",
			"content-length":     fmt.Sprint(len(body)),
			"host":               apiDomain,
			"user-agent":         "TwilioProxy/1.1",
			"x-twilio-signature": twiliotest.Sign(demo.PizzariaToken, "https://"+apiDomain+resourcenames.WebhookPath, params),
			"x-forwarded-proto":  "https",
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "000000000000", APIID: "abc123defg", DomainName: apiDomain, DomainPrefix: "abc123defg",
			Stage: "$default", RequestID: "req-" + params["MessageSid"], RouteKey: "POST " + resourcenames.WebhookPath,
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: resourcenames.WebhookPath,
				Protocol: "HTTP/1.1", SourceIP: "54.172.60.1", UserAgent: "TwilioProxy/1.1"},
		},
		// HTTP APIs hand form bodies to Lambda base64-encoded.
		Body: base64.StdEncoding.EncodeToString([]byte(body)), IsBase64Encoded: true,
	}
	payload, _ := json.Marshal(ev)
	return event{function: Webhook, payload: payload, timeout: 10 * time.Second, check: func(resp []byte) error {
		var r events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(resp, &r); err != nil {
			return fmt.Errorf("webhook response %q: %w", resp, err)
		}
		if r.StatusCode != 200 {
			return fmt.Errorf("webhook answered %d %q", r.StatusCode, r.Body)
		}
		return nil
	}}
}

// workerEvent is what the SQS event source hands the worker: one inbound message, a new
// customer's first message to the demo pizzaria, as the webhook enqueues it.
func workerEvent() event {
	m := domain.InboundMessage{Version: domain.InboundMessageVersion, ClientID: demo.PizzariaID, MessageSid: messageSid(),
		From: customer(), To: demo.PizzariaNumber, Body: "Oi, quero fazer um pedido", ProfileName: "Maria",
		ReceivedAt: time.Now().UTC()}
	body, _ := json.Marshal(m)
	now := time.Now().UnixMilli()
	ev := events.SQSEvent{Records: []events.SQSMessage{{
		MessageId: "059f36b4-87a3-44ab-83d2-" + m.MessageSid[22:], ReceiptHandle: "AQEB" + m.MessageSid, Body: string(body),
		Attributes: map[string]string{
			"ApproximateReceiveCount": "1", "SentTimestamp": fmt.Sprint(now), "SenderId": "AROAEXAMPLE:webhook",
			"ApproximateFirstReceiveTimestamp": fmt.Sprint(now), "SequenceNumber": "18849496460467696128",
			"MessageGroupId": inboundqueue.GroupID(m.ClientID, m.From), "MessageDeduplicationId": m.MessageSid,
		},
		MessageAttributes: map[string]events.SQSMessageAttribute{},
		Md5OfBody:         "",
		EventSource:       "aws:sqs",
		EventSourceARN:    "arn:aws:sqs:" + region + ":000000000000:" + resourcenames.InboundQueue(resourcenames.EnvDev),
		AWSRegion:         region,
	}}}
	payload, _ := json.Marshal(ev)
	// The deadline the worker's Lambda gives it (infra/stacks.WorkerTimeoutSeconds): the worker
	// starts no burst with less than sqsworker.DefaultStopBefore left.
	return event{function: Worker, payload: payload, timeout: 60 * time.Second, check: func(resp []byte) error {
		var r events.SQSEventResponse
		if err := json.Unmarshal(resp, &r); err != nil {
			return fmt.Errorf("worker response %q: %w", resp, err)
		}
		if len(r.BatchItemFailures) != 0 {
			return fmt.Errorf("the worker failed the message: %s", resp)
		}
		return nil
	}}
}
