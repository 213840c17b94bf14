package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// A store created through the admin API gets what its TenantStore construct's deploy gives:
// its queues like the template's store queues, and their URL and ARN on its record, with the
// operator's attributes kept.
func TestProvisionStore(t *testing.T) {
	t.Parallel()
	ctx := domain.NewPlatformContext(context.Background())
	cfg := emulatortest.Config(t)
	tables := emulatortest.Tables(t)
	repos, err := dynamo.New(tables, dynamo.FromTenantClients(awsclients.NewStatic(cfg)))
	if err != nil {
		t.Fatal(err)
	}
	q, db := sqs.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg)
	storeID := "prov-" + emulatortest.UniqueSuffix(t)
	provision := func() (emulator.StoreQueues, error) {
		return emulator.ProvisionStore(ctx, q, db, emulatortest.Template(t), resourcenames.EnvDev, tables.StoreConfig, "demo-burger", storeID)
	}

	if _, err := provision(); !errors.Is(err, emulator.ErrStoreNotFound) {
		t.Fatalf("a store without a record: %v, want ErrStoreNotFound", err)
	}
	if _, err := emulator.ProvisionStore(ctx, q, db, emulatortest.Template(t), resourcenames.EnvDev, tables.StoreConfig, "demo-burger", "Bad_Id"); !errors.Is(err, emulator.ErrInvalidID) {
		t.Fatalf("a bad id: %v, want ErrInvalidID", err)
	}
	store := demo.Tenants()[1].Stores[0] // Burger Demo's Vila Madalena, under a new id
	store.StoreID, store.StoreName, store.IsActive, store.SQSQueueURL, store.SQSQueueARN = storeID, "Pinheiros", false, "", ""
	if store.ClientID != "demo-burger" {
		t.Fatalf("demo tenant 1 is %s, not demo-burger", store.ClientID)
	}
	if err := repos.CreateStore(ctx, &store); err != nil {
		t.Fatal(err)
	}
	before, err := repos.GetStore(ctx, "demo-burger", storeID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := provision()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, u := range []string{got.QueueURL, got.DLQURL} {
			_, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
		}
	})
	if !strings.HasSuffix(got.QueueURL, "/"+resourcenames.StoreOrderQueue(resourcenames.EnvDev, "demo-burger", storeID)) ||
		!strings.HasSuffix(got.DLQURL, "/"+resourcenames.StoreOrderDLQ(resourcenames.EnvDev, "demo-burger", storeID)) {
		t.Errorf("queue URLs %+v do not carry the store's queue names", got)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(got.QueueURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	var rp struct {
		Target string `json:"deadLetterTargetArn"`
	}
	_ = json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &rp)
	if attrs.Attributes["FifoQueue"] != "true" || !strings.HasSuffix(rp.Target, resourcenames.StoreOrderDLQ(resourcenames.EnvDev, "demo-burger", storeID)) {
		t.Errorf("queue attributes %v: want FIFO with the store's dead-letter queue", attrs.Attributes)
	}
	tags, err := q.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(got.QueueURL)})
	if err != nil {
		t.Fatal(err)
	}
	if tags.Tags["clientId"] != "demo-burger" || tags.Tags["storeId"] != storeID {
		t.Errorf("queue tags %v: want the store's clientId and storeId", tags.Tags)
	}
	after, err := repos.GetStore(ctx, "demo-burger", storeID)
	if err != nil {
		t.Fatal(err)
	}
	if after.SQSQueueURL != got.QueueURL || after.SQSQueueARN != got.QueueARN || after.Version != before.Version+1 ||
		after.StoreName != "Pinheiros" || after.IsActive {
		t.Errorf("record after provisioning: %+v (before %+v)", after, before)
	}
	// A second deploy changes nothing but the version.
	if again, err := provision(); err != nil || again != got {
		t.Errorf("provisioning again: %+v, %v; want %+v", again, err, got)
	}
}
