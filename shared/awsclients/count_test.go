package awsclients_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
)

func TestCountCalls(t *testing.T) {
	cfg := emulatortest.Config(t)
	counter := awsclients.CountCalls(&cfg)
	ctx := context.Background()
	db := dynamodb.NewFromConfig(cfg)
	q := sqs.NewFromConfig(cfg)
	for range 3 {
		if _, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	// A failing call counts too: it reached (or tried to reach) AWS.
	_, _ = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("no-such-table")})
	if _, err := q.ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatal(err)
	}
	if got := counter.Total("DynamoDB"); got != 4 {
		t.Errorf("DynamoDB calls = %d, want 4 (%v)", got, counter.Snapshot())
	}
	if got := counter.Snapshot()["DynamoDB.ListTables"]; got != 3 {
		t.Errorf("ListTables = %d, want 3", got)
	}
	if got := counter.Total(""); got != 5 {
		t.Errorf("all calls = %d, want 5", got)
	}
	counter.Reset()
	if counter.Total("") != 0 {
		t.Error("Reset left counts")
	}
}
