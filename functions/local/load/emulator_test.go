package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
)

// The restart fault rests on tools/emulator.py's opt-in state file: stopped with SIGTERM and
// started again, the emulator has its tables and items, its queues with their messages (one
// in flight, with its receipt handle and FIFO group held), and its secrets.
func TestEmulatorKeepsItsDataAcrossARestart(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s: the emulator's virtualenv is missing; run through `make test`", python)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := config{Python: python, Emulator: filepath.Join(root, "tools", "emulator.py"), Out: dir}
	s := &stack{cfg: cfg, emuPort: port, stateFile: filepath.Join(dir, "emulator.state")}
	ctx := context.Background()
	if err := s.startEmulator(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.emulator.stop(syscall.SIGKILL, 5*time.Second) }()

	awsCfg, err := awsclients.Load(ctx, awsclients.Options{Endpoint: s.endpoint(), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	db, q, sm := dynamodb.NewFromConfig(awsCfg), sqs.NewFromConfig(awsCfg), secretsmanager.NewFromConfig(awsCfg)
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("t"), BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "n": &ddbtypes.AttributeValueMemberN{Value: "7"}}}); err != nil {
		t.Fatal(err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	url := qo.QueueUrl
	for i, g := range []string{"g1", "g1", "g2"} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("m" + strconv.Itoa(i)),
			MessageGroupId: aws.String(g), MessageDeduplicationId: aws.String("d" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 1, VisibilityTimeout: 120})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "m0" {
		t.Fatalf("receive: %v %v", got, err)
	}
	inFlight := got.Messages[0].ReceiptHandle
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}

	stop, start, err := s.restartEmulator(ctx, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped and saved in %s, started and restored in %s", stop, start)

	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}}})
	if err != nil || item.Item["n"].(*ddbtypes.AttributeValueMemberN).Value != "7" {
		t.Errorf("item after the restart: %v, %v", item, err)
	}
	sec, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	if err != nil || aws.ToString(sec.SecretString) != "v" {
		t.Errorf("secret after the restart: %v, %v", sec, err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "2" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("queue after the restart: %v, %v", attrs, err)
	}
	// g1 is held by its message in flight; g2's message is delivered.
	got, err = q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "m2" {
		t.Errorf("receive after the restart: %v, %v", got, err)
	}
	// The receipt handle given before the restart still deletes its message.
	if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: inFlight}); err != nil {
		t.Errorf("delete with a receipt handle from before the restart: %v", err)
	}
	if err := s.emulator.stop(syscall.SIGTERM, 30*time.Second); err != nil || s.emulator.err != nil {
		t.Errorf("second stop: %v, exit %v", err, s.emulator.err)
	}
}
