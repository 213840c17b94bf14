package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// ModelSourceKind says what a catalog model id names in Amazon Bedrock.
type ModelSourceKind int

const (
	// FoundationModel is a model served in the stack's own region:
	// arn:<partition>:bedrock:<region>::foundation-model/<id>.
	FoundationModel ModelSourceKind = iota
	// SystemInferenceProfile is a system-defined cross-region inference profile ("us.…",
	// "eu.…"): arn:<partition>:bedrock:<region>:<account>:inference-profile/<id>. It can be
	// copied only in a region that is one of the profile's source regions.
	SystemInferenceProfile
)

// Model is one Bedrock model a brand's application inference profile may copy from.
type Model struct {
	// ID is the Bedrock model id or system inference profile id.
	ID string
	// Kind says which ARN form names it.
	Kind ModelSourceKind
}

// DefaultModel is the model of a brand that declares none.
const DefaultModel = "amazon.nova-lite-v1:0"

// Models are the Bedrock models the catalog may choose from. A model outside this list is
// refused by TenantClientProps.Validate: each one is a prompt-and-price decision (the
// conversation engine's prompts are tested against these), not a free string.
//
// A foundation model must be offered on demand in the stack's region, or creating the brand's
// profile fails at deploy time. Where a model is served to the region only through a
// cross-region inference profile, add that system profile's id with Kind
// SystemInferenceProfile (as the US profile of Nova Lite below, for a stack in a US region).
var Models = []Model{
	{ID: "amazon.nova-lite-v1:0", Kind: FoundationModel},
	{ID: "anthropic.claude-3-5-haiku-20241022-v1:0", Kind: FoundationModel},
	{ID: "us.amazon.nova-lite-v1:0", Kind: SystemInferenceProfile},
}

// ModelByID returns the catalog's model with id.
func ModelByID(id string) (Model, bool) {
	i := slices.IndexFunc(Models, func(m Model) bool { return m.ID == id })
	if i < 0 {
		return Model{}, false
	}
	return Models[i], true
}

// ModelIDs lists the ids of Models, for error messages.
func ModelIDs() []string {
	ids := make([]string, len(Models))
	for i, m := range Models {
		ids[i] = m.ID
	}
	return ids
}

// SourceARN is the ARN an application inference profile copies m from (its
// ModelSource.CopyFrom), in partition, region and account (tokens in a stack).
func (m Model) SourceARN(partition, region, account string) string {
	if m.Kind == SystemInferenceProfile {
		return fmt.Sprintf("arn:%s:bedrock:%s:%s:inference-profile/%s", partition, region, account, m.ID)
	}
	return fmt.Sprintf("arn:%s:bedrock:%s::foundation-model/%s", partition, region, m.ID)
}

// stackSourceARN is m's SourceARN in the deploying stack's partition, region and account.
func (m Model) stackSourceARN() *string {
	return jsii.String(m.SourceARN(*awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID()))
}

// InferenceProfileName is the name of a brand's application inference profile:
// "wabot-<env>-<clientId>-<model>", <model> being 8 hex digits of a hash of the model id.
// Bedrock keeps names unique per account and region, which the environment in the name
// ensures across environments sharing an account. The model is in the name because a
// profile's model cannot change: a new model replaces the profile, and CloudFormation cannot
// replace a named resource under the same name (it creates the new one first). With the model
// in the name, choosing another model in the catalog creates the new profile, registers its
// ARN in the brand's record and deletes the old one, in one deploy.
func InferenceProfileName(env, clientID, modelID string) string {
	sum := sha256.Sum256([]byte(modelID))
	return "wabot-" + env + "-" + clientID + "-" + hex.EncodeToString(sum[:4])
}

// inferenceProfileNamePattern is Bedrock's rule for InferenceProfileName (at most 64
// characters): no two separators in a row, so a clientId with "--" is refused here rather
// than by the deploy.
var inferenceProfileNamePattern = regexp.MustCompile(`^([0-9a-zA-Z:.][ _-]?)+$`)

func validateInferenceProfileName(name string) error {
	if len(name) > 64 || !inferenceProfileNamePattern.MatchString(name) {
		return fmt.Errorf("inference profile name %q is not valid for Bedrock (no two hyphens in a row, at most 64 characters)", name)
	}
	return nil
}
