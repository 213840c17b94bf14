package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The dev template's registration calls, run against the emulator as CloudFormation runs them
// on a deploy: a first deploy creates each brand's and store's record; operators then edit
// them; a later deploy changes only what the infrastructure owns and keeps every edit; a
// removal deactivates the record and never deletes it, nor creates one that does not exist.
func TestRegistrationsKeepOperatorsEdits(t *testing.T) {
	t.Parallel()
	tables := emulatortest.Tables(t)
	suffix := strings.TrimPrefix(tables.ClientConfig, resourcenames.ClientConfigTable+"-"+resourcenames.EnvDev)
	refs := emulator.Refs{
		Region: "us-east-1", Account: emulator.Account, Endpoint: emulatortest.Endpoint(t),
		Rename: func(n string) string { return n + suffix },
	}
	cfg := emulatortest.Config(t)
	db := dynamodb.NewFromConfig(cfg)
	repos, err := dynamo.New(tables, dynamo.FromTenantClients(awsclients.NewStatic(cfg)))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := emulatortest.Template(t)
	ctx := domain.NewPlatformContext(context.Background())
	deploy := func(phase string) int {
		t.Helper()
		n, err := emulator.ApplyRegistrations(ctx, db, tmpl, phase, refs)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// First deploy.
	if n := deploy(emulator.PhaseCreate); n != 5 {
		t.Errorf("first deploy registered %d records, want 2 brands and 3 stores", n)
	}
	pizzaria, err := repos.GetClient(ctx, "demo-pizzaria")
	if err != nil {
		t.Fatalf("the registered brand cannot be read: %v", err)
	}
	if pizzaria.ClientName != "Pizzaria Demo" || !pizzaria.IsActive || !pizzaria.AsaasSandbox || pizzaria.Version != 1 ||
		pizzaria.TwilioPhoneNumber != "whatsapp:+5511990000001" || pizzaria.DefaultLanguage != domain.PtBR ||
		!strings.HasSuffix(pizzaria.TwilioSecretARN, ":secret:"+resourcenames.TwilioSecret(resourcenames.EnvDev, "demo-pizzaria")) ||
		!strings.HasSuffix(pizzaria.AsaasSecretARN, ":secret:"+resourcenames.AsaasSecret(resourcenames.EnvDev, "demo-pizzaria")) ||
		!strings.Contains(pizzaria.InferenceProfileARN, ":application-inference-profile/wabot-dev-demo-pizzaria-") {
		t.Errorf("registered brand = %+v", pizzaria)
	}
	centro, err := repos.GetStore(ctx, "demo-pizzaria", "centro")
	if err != nil {
		t.Fatalf("the registered store cannot be read: %v", err)
	}
	queue := resourcenames.StoreOrderQueue(resourcenames.EnvDev, "demo-pizzaria", "centro")
	if centro.StoreName != "Centro" || centro.IsActive || centro.Version != 1 ||
		!strings.HasSuffix(centro.SQSQueueURL, "/"+queue) || !strings.HasSuffix(centro.SQSQueueARN, ":"+queue) {
		t.Errorf("registered store = %+v: want its name and queue, inactive until operators complete it", centro)
	}

	// Operators edit the records.
	if _, err := repos.UpdateClient(ctx, "demo-pizzaria", func(c *domain.Client) error {
		c.ClientName, c.IsActive, c.AsaasSandbox, c.WelcomeMessage = "Pizzaria Nova", false, false, "Bem-vindo!"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(tables.StoreConfig),
		Key: map[string]ddbtypes.AttributeValue{
			"clientId": &ddbtypes.AttributeValueMemberS{Value: "demo-pizzaria"}, "storeId": &ddbtypes.AttributeValueMemberS{Value: "centro"},
		},
		UpdateExpression:          aws.String("SET active = :t, storeName = :n, sqsQueueUrl = :u, version = version + :one"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}, ":n": &ddbtypes.AttributeValueMemberS{Value: "Centro Histórico"}, ":u": &ddbtypes.AttributeValueMemberS{Value: "https://stale"}, ":one": &ddbtypes.AttributeValueMemberN{Value: "1"}},
	}); err != nil {
		t.Fatal(err)
	}

	// A later deploy (CloudFormation's Update runs the same call).
	deploy(emulator.PhaseUpdate)
	pizzaria, err = repos.GetClient(ctx, "demo-pizzaria")
	if err != nil {
		t.Fatal(err)
	}
	if pizzaria.ClientName != "Pizzaria Nova" || pizzaria.IsActive || pizzaria.AsaasSandbox || pizzaria.WelcomeMessage != "Bem-vindo!" {
		t.Errorf("a deploy overwrote operators' edits: %+v", pizzaria)
	}
	if pizzaria.Version != 3 {
		t.Errorf("version %d after an edit and a deploy, want 3: a deploy must move the version, or an operator's write based on an older read would undo it", pizzaria.Version)
	}
	centro, err = repos.GetStore(ctx, "demo-pizzaria", "centro")
	if err != nil {
		t.Fatal(err)
	}
	if centro.StoreName != "Centro Histórico" || !centro.IsActive || !strings.HasSuffix(centro.SQSQueueURL, "/"+queue) {
		t.Errorf("after a deploy the store is %+v: want the operator's name and activation, and the queue's URL restored", centro)
	}

	// The brand and its stores are removed from the catalog.
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tables.StoreConfig), Key: map[string]ddbtypes.AttributeValue{
		"clientId": &ddbtypes.AttributeValueMemberS{Value: "demo-burger"}, "storeId": &ddbtypes.AttributeValueMemberS{Value: "vila-madalena"},
	}}); err != nil {
		t.Fatal(err)
	}
	if n := deploy(emulator.PhaseDelete); n != 4 {
		t.Errorf("removal deactivated %d records, want 4 (the fifth does not exist)", n)
	}
	for _, id := range []string{"demo-pizzaria", "demo-burger"} {
		c, err := repos.GetClient(ctx, id)
		if err != nil || c.IsActive {
			t.Errorf("brand %s after removal: %+v, %v; want it kept, inactive", id, c, err)
		}
	}
	centro, err = repos.GetStore(ctx, "demo-pizzaria", "centro")
	if err != nil || centro.IsActive || centro.StoreName != "Centro Histórico" {
		t.Errorf("store after removal: %+v, %v; want it kept, inactive", centro, err)
	}
	if _, err := repos.GetStore(ctx, "demo-burger", "vila-madalena"); !domain.IsNotFound(err) {
		t.Errorf("removal created a record that did not exist: %v", err)
	}
}
