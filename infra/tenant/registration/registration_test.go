package registration_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/infra/tenant/registration"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The expressions, literally: a change to them is a change to what every deploy does to the
// records, and must show in review.
func TestExpressions(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"client upsert", registration.ClientUpsertExpression, "SET #twilioPhoneNumber = :twilioPhoneNumber, " +
			"#twilioSecretArn = :twilioSecretArn, #asaasSecretArn = :asaasSecretArn, " +
			"#inferenceProfileArn = :inferenceProfileArn, #brandList = :brand, #name = if_not_exists(#name, :name), " +
			"#defaultLanguage = if_not_exists(#defaultLanguage, :defaultLanguage), " +
			"#active = if_not_exists(#active, :true), #asaasSandbox = if_not_exists(#asaasSandbox, :true), " +
			"#createdAt = if_not_exists(#createdAt, :createdAt), #version = if_not_exists(#version, :zero) + :one"},
		{"store upsert", registration.StoreUpsertExpression, "SET #sqsQueueUrl = :sqsQueueUrl, " +
			"#sqsQueueArn = :sqsQueueArn, #storeName = if_not_exists(#storeName, :storeName), " +
			"#active = if_not_exists(#active, :false), #createdAt = if_not_exists(#createdAt, :createdAt), " +
			"#version = if_not_exists(#version, :zero) + :one"},
		{"deactivate", registration.DeactivateExpression, "SET #active = :false, #version = if_not_exists(#version, :zero) + :one"},
		{"deactivate condition", registration.DeactivateCondition, "attribute_exists(#clientId)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}

var (
	namePlaceholder  = regexp.MustCompile(`#[A-Za-z]+`)
	valuePlaceholder = regexp.MustCompile(`:[A-Za-z]+`)
)

// DynamoDB refuses an UpdateItem whose ExpressionAttributeNames or Values hold a placeholder
// the expressions do not use, or whose expressions use one that is not defined.
func TestPlaceholdersAreExactlyTheOnesUsed(t *testing.T) {
	inputs := map[string]map[string]any{
		"ClientUpsert":     registration.ClientUpsert("T", registration.Client{ClientID: "c"}),
		"ClientDeactivate": registration.ClientDeactivate("T", "c"),
		"StoreUpsert":      registration.StoreUpsert("T", registration.Store{ClientID: "c", StoreID: "s"}),
		"StoreDeactivate":  registration.StoreDeactivate("T", "c", "s"),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			expr, _ := in["UpdateExpression"].(string)
			if cond, ok := in["ConditionExpression"].(string); ok {
				expr += " " + cond
			}
			keys := func(m any) []string {
				var out []string
				switch x := m.(type) {
				case map[string]any:
					for k := range x {
						out = append(out, k)
					}
				}
				slices.Sort(out)
				return out
			}
			used := func(re *regexp.Regexp) []string {
				out := slices.Compact(slices.Sorted(slices.Values(re.FindAllString(expr, -1))))
				return out
			}
			if got, want := keys(in["ExpressionAttributeNames"]), used(namePlaceholder); !slices.Equal(got, want) {
				t.Errorf("names %v, expression uses %v", got, want)
			}
			if got, want := keys(in["ExpressionAttributeValues"]), used(valuePlaceholder); !slices.Equal(got, want) {
				t.Errorf("values %v, expression uses %v", got, want)
			}
			for ph, attr := range in["ExpressionAttributeNames"].(map[string]any) {
				if ph != "#"+attr.(string) {
					t.Errorf("placeholder %s names %v", ph, attr)
				}
			}
		})
	}
}

// Deactivation never deletes, never creates: it sets active false on an existing record.
func TestDeactivationOnlyDeactivatesExistingRecords(t *testing.T) {
	for name, in := range map[string]map[string]any{
		"client": registration.ClientDeactivate("T", "c"),
		"store":  registration.StoreDeactivate("T", "c", "s"),
	} {
		if in["ConditionExpression"] != registration.DeactivateCondition {
			t.Errorf("%s: condition %v", name, in["ConditionExpression"])
		}
		if v := in["ExpressionAttributeValues"].(map[string]any)[":false"]; !jsonIs(v, `{"BOOL":false}`) {
			t.Errorf("%s: :false is %v", name, v)
		}
	}
}

func TestInputsAreDynamoDBJSON(t *testing.T) {
	in := registration.StoreUpsert("WhatsAppBotStoreConfig-dev", registration.Store{
		ClientID: "demo", StoreID: "centro", QueueURL: "https://q", QueueARN: "arn:q", StoreName: "Centro",
		CreatedAt: "2025-01-01T00:00:00Z",
	})
	want := `{"ExpressionAttributeNames":{"#active":"active","#createdAt":"createdAt","#sqsQueueArn":"sqsQueueArn",` +
		`"#sqsQueueUrl":"sqsQueueUrl","#storeName":"storeName","#version":"version"},"ExpressionAttributeValues":{` +
		`":createdAt":{"S":"2025-01-01T00:00:00Z"},` +
		`":false":{"BOOL":false},":one":{"N":"1"},":sqsQueueArn":{"S":"arn:q"},":sqsQueueUrl":{"S":"https://q"},":storeName":{"S":"Centro"},":zero":{"N":"0"}},` +
		`"Key":{"clientId":{"S":"demo"},"storeId":{"S":"centro"}},"TableName":"WhatsAppBotStoreConfig-dev",` +
		`"UpdateExpression":"` + registration.StoreUpsertExpression + `"}`
	if !jsonIs(in, want) {
		got, _ := json.Marshal(in)
		t.Errorf("StoreUpsert:\n got %s\nwant %s", got, want)
	}
	// Infrastructure-owned attributes are SET unconditionally, operator-owned ones only if absent.
	for _, attr := range []string{"twilioPhoneNumber", "twilioSecretArn", "asaasSecretArn", "inferenceProfileArn"} {
		if !strings.Contains(registration.ClientUpsertExpression, "#"+attr+" = :"+attr) {
			t.Errorf("client upsert does not always set %s", attr)
		}
	}
	for _, attr := range []string{"name", "defaultLanguage", "active", "asaasSandbox", "createdAt"} {
		if !strings.Contains(registration.ClientUpsertExpression, "#"+attr+" = if_not_exists(#"+attr+", ") {
			t.Errorf("client upsert writes %s without if_not_exists", attr)
		}
	}
}

func jsonIs(v any, want string) bool {
	got, err := json.Marshal(v)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Every client registration puts the brand in the platform admin's list: brandList, the
// partition key of the brand list index, is SET to its one value on create and update (a
// deactivated brand stays listed, inactive).
func TestClientUpsertListsTheBrand(t *testing.T) {
	if registration.AttrBrandList != resourcenames.AttrBrandList || registration.BrandListValue != resourcenames.BrandListValue {
		t.Fatalf("registration writes %s = %q, the brand list index is keyed %s = %q",
			registration.AttrBrandList, registration.BrandListValue, resourcenames.AttrBrandList, resourcenames.BrandListValue)
	}
	in := registration.ClientUpsert("T", registration.Client{ClientID: "demo"})
	if !strings.Contains(registration.ClientUpsertExpression, "#brandList = :brand") {
		t.Errorf("client upsert does not always set brandList: %s", registration.ClientUpsertExpression)
	}
	if got := in["ExpressionAttributeNames"].(map[string]any)["#brandList"]; got != resourcenames.AttrBrandList {
		t.Errorf("#brandList names %v", got)
	}
	if v := in["ExpressionAttributeValues"].(map[string]any)[":brand"]; !jsonIs(v, `{"S":"`+resourcenames.BrandListValue+`"}`) {
		t.Errorf(":brand is %v", v)
	}
	for name, in := range map[string]map[string]any{
		"client deactivate": registration.ClientDeactivate("T", "demo"),
		"store upsert":      registration.StoreUpsert("T", registration.Store{ClientID: "demo", StoreID: "s"}),
	} {
		if _, ok := in["ExpressionAttributeNames"].(map[string]any)["#brandList"]; ok {
			t.Errorf("%s writes brandList", name)
		}
	}
}
