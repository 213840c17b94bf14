// Package registration holds the DynamoDB calls with which the tenant constructs register a
// brand's record in WhatsAppBotClientConfig and a store's record in WhatsAppBotStoreConfig.
// The constructs (package tenant) hand these calls, unchanged, to CloudFormation custom
// resources (CDK's AwsCustomResource, resource type Custom::AWS); the provider function passes
// each one's parameters to DynamoDB's UpdateItem.
//
// The package imports only the standard library, so that a test of any module can run the very
// same calls against the local DynamoDB emulator. The maps are UpdateItem inputs in the shape of
// DynamoDB's JSON API (TableName, Key, UpdateExpression, ConditionExpression,
// ExpressionAttributeNames, ExpressionAttributeValues with attribute values as {"S": ...},
// {"N": ...}, {"BOOL": ...}): what the provider function passes to the SDK, and what a test
// converts to the Go SDK's types with a few lines (S, N and BOOL only).
//
// Two kinds of attributes:
//   - infrastructure-owned ones (the brand's number, its secrets' and inference profile's ARNs,
//     a store's queue URL and ARN) are declared by the catalog and SET on every create and
//     update: the deploy is their source of truth;
//   - operator-owned ones (name, language, active, sandbox flag, createdAt) are written only
//     when absent, with if_not_exists, so that a deploy never undoes an operator's edit.
//
// A client record also gets brandList = BrandListValue on every create and update: the
// partition key of the brand list index (resourcenames.BrandsIndex), so that a brand
// registered by a deploy appears in a platform admin's list like one created through the admin
// API.
//
// Every call also increments version (if_not_exists(version, 0) + 1): the runtime and the
// admin API update a record by reading it and putting it back conditioned on the version they
// read, so a read taken before a registration can never overwrite it.
//
// The key attributes (clientId, storeId) are not in the SET clauses: DynamoDB refuses to update
// a key attribute, and an UpdateItem that creates an item writes its key from Key.
//
// No call ever deletes a record. Removing a brand or a store from the catalog (or deleting the
// stack) deactivates its record (active = false): orders, conversations and the admin history
// keep referring to it.
package registration

import "strings"

// Attributes of the records that registration writes. They are the dynamodbav names of
// domain.Client and domain.Store (a test in package tenant keeps them equal where the domain
// already has the field).
const (
	AttrName                = "name"
	AttrDefaultLanguage     = "defaultLanguage"
	AttrActive              = "active"
	AttrAsaasSandbox        = "asaasSandbox"
	AttrTwilioPhoneNumber   = "twilioPhoneNumber"
	AttrTwilioSecretARN     = "twilioSecretArn"
	AttrAsaasSecretARN      = "asaasSecretArn"
	AttrInferenceProfileARN = "inferenceProfileArn"
	AttrCreatedAt           = "createdAt"
	AttrVersion             = "version"
	AttrStoreName           = "storeName"
	AttrSQSQueueURL         = "sqsQueueUrl"
	AttrSQSQueueARN         = "sqsQueueArn"

	// AttrBrandList is the partition key of ClientConfig's brand list index, always
	// BrandListValue (resourcenames.AttrBrandList and BrandListValue; a test keeps them equal).
	AttrBrandList  = "brandList"
	BrandListValue = "brand"

	// AttrLogoURL and AttrUpdatedAt belong to the records but are never written by a
	// registration: the logo is an operator's upload, and updatedAt is the time of the last
	// edit by a person or the runtime (a deploy has no clock a template can read; its changes
	// show as a version increment).
	AttrLogoURL   = "logoUrl"
	AttrUpdatedAt = "updatedAt"
)

// Key attributes (the same as resourcenames.AttrClientID and AttrStoreID; repeated so that the
// package needs nothing but the standard library).
const (
	attrClientID = "clientId"
	attrStoreID  = "storeId"
)

// Client is what a brand's registration writes.
type Client struct {
	// ClientID is the record's key.
	ClientID string
	// Infrastructure-owned: SET on every create and update.
	TwilioPhoneNumber   string
	TwilioSecretARN     string
	AsaasSecretARN      string
	InferenceProfileARN string
	// Operator-owned: written only when absent.
	Name            string
	DefaultLanguage string
	// CreatedAt is RFC 3339 (UTC), written only when absent.
	CreatedAt string
}

// Store is what a store's registration writes.
type Store struct {
	// ClientID and StoreID are the record's key.
	ClientID, StoreID string
	// Infrastructure-owned: SET on every create and update.
	QueueURL, QueueARN string
	// Operator-owned: written only when absent.
	StoreName string
	// CreatedAt is RFC 3339 (UTC), written only when absent.
	CreatedAt string
}

// ConditionalCheckFailed is the error code a deactivation ignores: its condition
// (attribute_exists(clientId)) fails when there is no record to deactivate, and creating one
// only to mark it inactive would leave a bare record behind.
const ConditionalCheckFailed = "ConditionalCheckFailedException"

// setClause is one "#attr = value" of a SET expression.
type setClause struct {
	attr  string
	value string // a value placeholder or an expression over placeholders
}

// set builds "SET #a = v, #b = v2": every attribute through a name placeholder "#<attr>", so
// that reserved words (name is one) need no special case.
func set(clauses ...setClause) (string, map[string]string) {
	parts := make([]string, len(clauses))
	names := map[string]string{}
	for i, c := range clauses {
		parts[i] = "#" + c.attr + " = " + c.value
		names["#"+c.attr] = c.attr
	}
	return "SET " + strings.Join(parts, ", "), names
}

func always(attr string) setClause { return setClause{attr, ":" + attr} }

// ifAbsent keeps the stored value and writes :value only when the attribute is absent.
func ifAbsent(attr, value string) setClause {
	return setClause{attr, "if_not_exists(#" + attr + ", " + value + ")"}
}

// bumpVersion is version = version + 1, starting from 0 on a new record.
var bumpVersion = setClause{AttrVersion, "if_not_exists(#" + AttrVersion + ", :zero) + :one"}

func s(v string) map[string]any { return map[string]any{"S": v} }
func b(v bool) map[string]any   { return map[string]any{"BOOL": v} }
func n(v string) map[string]any { return map[string]any{"N": v} }

// ClientUpsertExpression and the other expressions are the UpdateExpressions of the calls
// below, exported so that tests can compare them literally.
var (
	ClientUpsertExpression, clientUpsertNames = set(
		always(AttrTwilioPhoneNumber),
		always(AttrTwilioSecretARN),
		always(AttrAsaasSecretARN),
		always(AttrInferenceProfileARN),
		setClause{AttrBrandList, ":brand"},
		ifAbsent(AttrName, ":"+AttrName),
		ifAbsent(AttrDefaultLanguage, ":"+AttrDefaultLanguage),
		ifAbsent(AttrActive, ":true"),
		ifAbsent(AttrAsaasSandbox, ":true"),
		ifAbsent(AttrCreatedAt, ":"+AttrCreatedAt),
		bumpVersion,
	)
	StoreUpsertExpression, storeUpsertNames = set(
		always(AttrSQSQueueURL),
		always(AttrSQSQueueARN),
		ifAbsent(AttrStoreName, ":"+AttrStoreName),
		// A new store starts inactive: its record has a queue and a name but no address,
		// hours, delivery or payment methods yet, and customers must not be offered it until
		// an operator completes the record and activates it.
		ifAbsent(AttrActive, ":false"),
		ifAbsent(AttrCreatedAt, ":"+AttrCreatedAt),
		bumpVersion,
	)
	// DeactivateExpression is the whole change of a removal: the record stays, inactive.
	DeactivateExpression, deactivateNames = set(
		setClause{AttrActive, ":false"},
		bumpVersion,
	)
)

// DeactivateCondition makes a deactivation a no-op (ConditionalCheckFailed) when the record
// does not exist.
const DeactivateCondition = "attribute_exists(#" + attrClientID + ")"

func copyNames(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ClientUpsert is the UpdateItem input that registers brand c in table (the environment's
// WhatsAppBotClientConfig), on create and on every update of the brand's custom resource.
func ClientUpsert(table string, c Client) map[string]any {
	return map[string]any{
		"TableName":                table,
		"Key":                      map[string]any{attrClientID: s(c.ClientID)},
		"UpdateExpression":         ClientUpsertExpression,
		"ExpressionAttributeNames": copyNames(clientUpsertNames),
		"ExpressionAttributeValues": map[string]any{
			":" + AttrTwilioPhoneNumber:   s(c.TwilioPhoneNumber),
			":" + AttrTwilioSecretARN:     s(c.TwilioSecretARN),
			":" + AttrAsaasSecretARN:      s(c.AsaasSecretARN),
			":" + AttrInferenceProfileARN: s(c.InferenceProfileARN),
			":" + AttrName:                s(c.Name),
			":" + AttrDefaultLanguage:     s(c.DefaultLanguage),
			":" + AttrCreatedAt:           s(c.CreatedAt),
			":brand":                      s(BrandListValue),
			":true":                       b(true),
			":zero":                       n("0"),
			":one":                        n("1"),
		},
	}
}

// ClientDeactivate is the UpdateItem input that deactivates brand clientID's record when the
// brand's custom resource is deleted. It fails with ConditionalCheckFailed, changing nothing,
// when the record does not exist.
func ClientDeactivate(table, clientID string) map[string]any {
	return deactivate(table, map[string]any{attrClientID: s(clientID)})
}

// StoreUpsert is the UpdateItem input that registers store st in table (the environment's
// WhatsAppBotStoreConfig), on create and on every update of the store's custom resource.
func StoreUpsert(table string, st Store) map[string]any {
	return map[string]any{
		"TableName":                table,
		"Key":                      map[string]any{attrClientID: s(st.ClientID), attrStoreID: s(st.StoreID)},
		"UpdateExpression":         StoreUpsertExpression,
		"ExpressionAttributeNames": copyNames(storeUpsertNames),
		"ExpressionAttributeValues": map[string]any{
			":" + AttrSQSQueueURL: s(st.QueueURL),
			":" + AttrSQSQueueARN: s(st.QueueARN),
			":" + AttrStoreName:   s(st.StoreName),
			":" + AttrCreatedAt:   s(st.CreatedAt),
			":false":              b(false),
			":zero":               n("0"),
			":one":                n("1"),
		},
	}
}

// StoreDeactivate is the UpdateItem input that deactivates store (clientID, storeID)'s record
// when the store's custom resource is deleted; like ClientDeactivate, a no-op without a record.
func StoreDeactivate(table, clientID, storeID string) map[string]any {
	return deactivate(table, map[string]any{attrClientID: s(clientID), attrStoreID: s(storeID)})
}

func deactivate(table string, key map[string]any) map[string]any {
	names := copyNames(deactivateNames)
	names["#"+attrClientID] = attrClientID
	return map[string]any{
		"TableName":                table,
		"Key":                      key,
		"UpdateExpression":         DeactivateExpression,
		"ConditionExpression":      DeactivateCondition,
		"ExpressionAttributeNames": names,
		"ExpressionAttributeValues": map[string]any{
			":false": b(false),
			":zero":  n("0"),
			":one":   n("1"),
		},
	}
}
