package emulator

// The admin API's Cognito user pool, locally. The emulator (moto 5.2.5) runs a user pool well
// enough for the admin API's verification path to be the one used in AWS:
//
//   - InitiateAuth (USER_PASSWORD_AUTH) and AdminInitiateAuth return an ID token signed RS256
//     with header kid "dummy" (moto's one built-in key, the same in every moto), claims iss
//     "https://cognito-idp.<region>.amazonaws.com/<poolId>" (AWS's issuer, not the emulator's
//     URL), aud = the app client id, token_use "id", sub, cognito:username (the sub, with
//     "email" = the username, when the pool signs in by email), iat, auth_time, exp (iat +
//     3600), jti, origin_jti, every custom:* attribute of the user (custom:clientId) and
//     cognito:groups (only when the user is in a group). No nbf. The access token has
//     client_id instead of aud, token_use "access", the groups, and no custom attribute.
//   - It serves the key set at <endpoint>/<poolId>/.well-known/jwks.json and the discovery
//     document at <endpoint>/<poolId>/.well-known/openid-configuration (issuer as above,
//     jwks_uri on the emulator's host).
//
// So nothing stands in for Cognito locally: the admin API verifies moto's own signed tokens
// with adminauth, given LocalJWTConfig's issuer, audience and key set URL (the key set is the
// one thing not at <issuer>/.well-known/jwks.json). What moto does not emulate, the
// verification does not depend on: token lifetimes are always one hour, an app client's
// ReadAttributes do not keep custom attributes out of its ID tokens, its ExplicitAuthFlows
// are not enforced. The template's MFA setting is not applied (a local sign-in must not ask
// for a code). moto's signing key is not picklable as it is; tools/emulator.py registers a
// reducer for it, so an emulator started with a state file (--state) keeps its user pools,
// their ids and their key across a restart, and tokens printed before stay valid.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// UserPoolSpec is a Cognito user pool as the template declares it, with its app clients and
// groups (the AWS::Cognito::UserPoolClient and AWS::Cognito::UserPoolGroup resources whose
// UserPoolId is a Ref to it).
type UserPoolSpec struct {
	LogicalID              string
	PoolName               string
	Schema                 []ciptypes.SchemaAttributeType
	PasswordPolicy         *ciptypes.PasswordPolicyType
	UsernameAttributes     []ciptypes.UsernameAttributeType
	AliasAttributes        []ciptypes.AliasAttributeType
	AutoVerifiedAttributes []ciptypes.VerifiedAttributeType
	UsernameCaseSensitive  *bool
	AdminCreateUserOnly    bool
	Tags                   map[string]string
	Clients                []UserPoolClientSpec
	Groups                 []UserPoolGroupSpec
}

// UserPoolClientSpec is an app client of a user pool.
type UserPoolClientSpec struct {
	LogicalID         string
	ClientName        string
	ExplicitAuthFlows []ciptypes.ExplicitAuthFlowsType
	GenerateSecret    bool
	ReadAttributes    []string
	WriteAttributes   []string
}

// UserPoolGroupSpec is a group of a user pool.
type UserPoolGroupSpec struct {
	LogicalID   string
	GroupName   string
	Description string
	Precedence  *int32
}

// UserPool is a user pool in the emulator.
type UserPool struct {
	ID      string
	Name    string
	Clients map[string]string // app client name -> client id
	Groups  []string          // group names, sorted
}

// ErrUserPoolNotFound: the emulator has no user pool of that name (LookupUserPool).
var ErrUserPoolNotFound = errors.New("user pool not found")

// UserPools returns the template's Cognito user pools.
func (t *Template) UserPools() ([]UserPoolSpec, error) {
	var out []UserPoolSpec
	index := map[string]int{} // logical id -> position in out
	for _, id := range t.logicalIDs("AWS::Cognito::UserPool") {
		p := t.Resources[id].Properties
		name, ok := p["UserPoolName"].(string)
		if !ok {
			return nil, fmt.Errorf("user pool %s: UserPoolName must be a literal name (it is a contract)", id)
		}
		spec := UserPoolSpec{LogicalID: id, PoolName: name, Tags: map[string]string{}}
		for _, a := range list(p["Schema"]) {
			m := obj(a)
			attr := ciptypes.SchemaAttributeType{
				Name:              aws.String(str(m["Name"])),
				AttributeDataType: ciptypes.AttributeDataType(str(m["AttributeDataType"])),
			}
			if v, ok := m["Mutable"]; ok {
				attr.Mutable = aws.Bool(truthy(v))
			}
			if v, ok := m["Required"]; ok {
				attr.Required = aws.Bool(truthy(v))
			}
			if v, ok := m["DeveloperOnlyAttribute"]; ok {
				attr.DeveloperOnlyAttribute = aws.Bool(truthy(v))
			}
			if c := obj(m["StringAttributeConstraints"]); c != nil {
				attr.StringAttributeConstraints = &ciptypes.StringAttributeConstraintsType{
					MinLength: optScalar(c["MinLength"]), MaxLength: optScalar(c["MaxLength"]),
				}
			}
			if c := obj(m["NumberAttributeConstraints"]); c != nil {
				attr.NumberAttributeConstraints = &ciptypes.NumberAttributeConstraintsType{
					MinValue: optScalar(c["MinValue"]), MaxValue: optScalar(c["MaxValue"]),
				}
			}
			spec.Schema = append(spec.Schema, attr)
		}
		if pp := obj(obj(p["Policies"])["PasswordPolicy"]); pp != nil {
			policy := &ciptypes.PasswordPolicyType{
				RequireLowercase: truthy(pp["RequireLowercase"]),
				RequireUppercase: truthy(pp["RequireUppercase"]),
				RequireNumbers:   truthy(pp["RequireNumbers"]),
				RequireSymbols:   truthy(pp["RequireSymbols"]),
			}
			if n, ok := number(pp["MinimumLength"]); ok {
				policy.MinimumLength = aws.Int32(n)
			}
			if n, ok := number(pp["TemporaryPasswordValidityDays"]); ok {
				policy.TemporaryPasswordValidityDays = n
			}
			spec.PasswordPolicy = policy
		}
		for _, a := range list(p["UsernameAttributes"]) {
			spec.UsernameAttributes = append(spec.UsernameAttributes, ciptypes.UsernameAttributeType(str(a)))
		}
		for _, a := range list(p["AliasAttributes"]) {
			spec.AliasAttributes = append(spec.AliasAttributes, ciptypes.AliasAttributeType(str(a)))
		}
		for _, a := range list(p["AutoVerifiedAttributes"]) {
			spec.AutoVerifiedAttributes = append(spec.AutoVerifiedAttributes, ciptypes.VerifiedAttributeType(str(a)))
		}
		if uc := obj(p["UsernameConfiguration"]); uc != nil {
			if v, ok := uc["CaseSensitive"]; ok {
				spec.UsernameCaseSensitive = aws.Bool(truthy(v))
			}
		}
		spec.AdminCreateUserOnly = truthy(obj(p["AdminCreateUserConfig"])["AllowAdminCreateUserOnly"])
		for k, v := range obj(p["UserPoolTags"]) {
			if s, ok := v.(string); ok {
				spec.Tags[k] = s
			}
		}
		index[id] = len(out)
		out = append(out, spec)
	}
	pool := func(kind, id string, p map[string]any) (*UserPoolSpec, error) {
		ref := str(obj(p["UserPoolId"])["Ref"])
		i, ok := index[ref]
		if !ok {
			return nil, fmt.Errorf("%s %s: UserPoolId must be a Ref to a user pool of the template", kind, id)
		}
		return &out[i], nil
	}
	for _, id := range t.logicalIDs("AWS::Cognito::UserPoolClient") {
		p := t.Resources[id].Properties
		name, ok := p["ClientName"].(string)
		if !ok {
			return nil, fmt.Errorf("user pool client %s: ClientName must be a literal name (it is a contract)", id)
		}
		up, err := pool("user pool client", id, p)
		if err != nil {
			return nil, err
		}
		c := UserPoolClientSpec{LogicalID: id, ClientName: name, GenerateSecret: truthy(p["GenerateSecret"])}
		for _, f := range list(p["ExplicitAuthFlows"]) {
			c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, ciptypes.ExplicitAuthFlowsType(str(f)))
		}
		for _, a := range list(p["ReadAttributes"]) {
			c.ReadAttributes = append(c.ReadAttributes, str(a))
		}
		for _, a := range list(p["WriteAttributes"]) {
			c.WriteAttributes = append(c.WriteAttributes, str(a))
		}
		up.Clients = append(up.Clients, c)
	}
	for _, id := range t.logicalIDs("AWS::Cognito::UserPoolGroup") {
		p := t.Resources[id].Properties
		name, ok := p["GroupName"].(string)
		if !ok {
			return nil, fmt.Errorf("user pool group %s: GroupName must be a literal name (it is a role)", id)
		}
		up, err := pool("user pool group", id, p)
		if err != nil {
			return nil, err
		}
		g := UserPoolGroupSpec{LogicalID: id, GroupName: name, Description: str(p["Description"])}
		if n, ok := number(p["Precedence"]); ok {
			g.Precedence = aws.Int32(n)
		}
		up.Groups = append(up.Groups, g)
	}
	return out, nil
}

// ApplyUserPools creates the template's user pools with their app clients and groups, and
// returns them by pool name. Pool and client names go through opts.Rename; group names are
// roles and are kept. It is idempotent: a pool or client that exists by name is reused as it
// is (user pool names are not unique in Cognito: two pools of one name are an error here),
// and an existing group is kept.
func ApplyUserPools(ctx context.Context, c *cip.Client, t *Template, opts Options) (map[string]UserPool, error) {
	specs, err := t.UserPools()
	if err != nil {
		return nil, err
	}
	out := map[string]UserPool{}
	for _, s := range specs {
		name := opts.name(s.PoolName)
		id, err := findUserPool(ctx, c, name)
		if errors.Is(err, ErrUserPoolNotFound) {
			id, err = createUserPool(ctx, c, name, s)
		}
		if err != nil {
			return nil, err
		}
		pool := UserPool{ID: id, Name: name, Clients: map[string]string{}}
		existing, err := listClients(ctx, c, id)
		if err != nil {
			return nil, err
		}
		for _, cs := range s.Clients {
			cname := opts.name(cs.ClientName)
			if ids := existing[cname]; len(ids) > 1 {
				return nil, fmt.Errorf("user pool %s has %d app clients named %s", name, len(ids), cname)
			} else if len(ids) == 1 {
				pool.Clients[cname] = ids[0]
				continue
			}
			in := &cip.CreateUserPoolClientInput{
				UserPoolId:        aws.String(id),
				ClientName:        aws.String(cname),
				ExplicitAuthFlows: cs.ExplicitAuthFlows,
				GenerateSecret:    cs.GenerateSecret,
				ReadAttributes:    cs.ReadAttributes,
				WriteAttributes:   cs.WriteAttributes,
			}
			created, err := c.CreateUserPoolClient(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("create app client %s of user pool %s: %w", cname, name, err)
			}
			pool.Clients[cname] = aws.ToString(created.UserPoolClient.ClientId)
		}
		for _, g := range s.Groups {
			_, err := c.CreateGroup(ctx, &cip.CreateGroupInput{
				UserPoolId:  aws.String(id),
				GroupName:   aws.String(g.GroupName),
				Description: optString(g.Description),
				Precedence:  g.Precedence,
			})
			var exists *ciptypes.GroupExistsException
			if err != nil && !errors.As(err, &exists) {
				return nil, fmt.Errorf("create group %s of user pool %s: %w", g.GroupName, name, err)
			}
			pool.Groups = append(pool.Groups, g.GroupName)
		}
		sort.Strings(pool.Groups)
		out[name] = pool
	}
	return out, nil
}

func createUserPool(ctx context.Context, c *cip.Client, name string, s UserPoolSpec) (string, error) {
	in := &cip.CreateUserPoolInput{
		PoolName:               aws.String(name),
		Schema:                 s.Schema,
		UsernameAttributes:     s.UsernameAttributes,
		AliasAttributes:        s.AliasAttributes,
		AutoVerifiedAttributes: s.AutoVerifiedAttributes,
		AdminCreateUserConfig:  &ciptypes.AdminCreateUserConfigType{AllowAdminCreateUserOnly: s.AdminCreateUserOnly},
	}
	if s.PasswordPolicy != nil {
		in.Policies = &ciptypes.UserPoolPolicyType{PasswordPolicy: s.PasswordPolicy}
	}
	if s.UsernameCaseSensitive != nil {
		in.UsernameConfiguration = &ciptypes.UsernameConfigurationType{CaseSensitive: s.UsernameCaseSensitive}
	}
	if len(s.Tags) > 0 {
		in.UserPoolTags = s.Tags
	}
	out, err := c.CreateUserPool(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create user pool %s: %w", name, err)
	}
	return aws.ToString(out.UserPool.Id), nil
}

// findUserPool returns the id of the one pool named name, or ErrUserPoolNotFound.
func findUserPool(ctx context.Context, c *cip.Client, name string) (string, error) {
	var ids []string
	pages := cip.NewListUserPoolsPaginator(c, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list user pools: %w", err)
		}
		for _, p := range page.UserPools {
			if aws.ToString(p.Name) == name {
				ids = append(ids, aws.ToString(p.Id))
			}
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("%w: %s", ErrUserPoolNotFound, name)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d user pools are named %s: delete the extra ones", len(ids), name)
}

// listClients returns a pool's app client ids by name.
func listClients(ctx context.Context, c *cip.Client, poolID string) (map[string][]string, error) {
	out := map[string][]string{}
	pages := cip.NewListUserPoolClientsPaginator(c, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list app clients of user pool %s: %w", poolID, err)
		}
		for _, cl := range page.UserPoolClients {
			n := aws.ToString(cl.ClientName)
			out[n] = append(out[n], aws.ToString(cl.ClientId))
		}
	}
	return out, nil
}

// LookupUserPool returns the emulator's user pool named name with its app clients and groups;
// ErrUserPoolNotFound when there is none (`make dev` creates it from the dev template).
func LookupUserPool(ctx context.Context, c *cip.Client, name string) (UserPool, error) {
	id, err := findUserPool(ctx, c, name)
	if err != nil {
		return UserPool{}, err
	}
	pool := UserPool{ID: id, Name: name, Clients: map[string]string{}}
	clients, err := listClients(ctx, c, id)
	if err != nil {
		return UserPool{}, err
	}
	for n, ids := range clients {
		if len(ids) > 1 {
			return UserPool{}, fmt.Errorf("user pool %s has %d app clients named %s", name, len(ids), n)
		}
		pool.Clients[n] = ids[0]
	}
	groups := cip.NewListGroupsPaginator(c, &cip.ListGroupsInput{UserPoolId: aws.String(id), Limit: aws.Int32(60)})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return UserPool{}, fmt.Errorf("list groups of user pool %s: %w", name, err)
		}
		for _, g := range page.Groups {
			pool.Groups = append(pool.Groups, aws.ToString(g.GroupName))
		}
	}
	sort.Strings(pool.Groups)
	return pool, nil
}

// LocalJWTConfig returns what the admin API's verifier needs to accept the ID tokens of the
// emulator's user pool poolName issued to its app client clientName: the issuer (as the
// tokens say it: AWS's https://cognito-idp.<region>.amazonaws.com/<poolId>, read from the
// emulator's discovery document), the audience (the app client id) and the key set's URL
// (served by the emulator at endpoint, not at the issuer). The result goes into
// adminauth.Config{Issuer, Audience, JWKSURL} unchanged: verification is the same as in AWS.
func LocalJWTConfig(ctx context.Context, cfg aws.Config, endpoint, poolName, clientName string) (issuer, audience, jwksURL string, err error) {
	pool, err := LookupUserPool(ctx, cip.NewFromConfig(cfg), poolName)
	if err != nil {
		return "", "", "", err
	}
	audience, ok := pool.Clients[clientName]
	if !ok {
		return "", "", "", fmt.Errorf("user pool %s has no app client %s", poolName, clientName)
	}
	base := strings.TrimRight(endpoint, "/") + "/" + pool.ID + "/.well-known/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"openid-configuration", nil)
	if err != nil {
		return "", "", "", err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", "", "", fmt.Errorf("read the discovery document of user pool %s: %w", poolName, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", "", "", fmt.Errorf("discovery document of user pool %s: %s", poolName, resp.Status)
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", "", "", fmt.Errorf("discovery document of user pool %s: %w", poolName, err)
	}
	if !strings.HasSuffix(doc.Issuer, "/"+pool.ID) {
		return "", "", "", fmt.Errorf("discovery document of user pool %s names issuer %q, not the pool's", poolName, doc.Issuer)
	}
	return doc.Issuer, audience, base + "jwks.json", nil
}

// LocalAdminUsername is the emulator user of a role and brand, e.g.
// "brand-admin.demo-burger@wabot.local", or "platform-admin@wabot.local".
func LocalAdminUsername(role, clientID string) string {
	if clientID == "" {
		return role + "@wabot.local"
	}
	return role + "." + clientID + "@wabot.local"
}

// LocalPassword is the password of every local user of the emulator's user pool: make dev
// prints it with the demo users, for the admin UI's sign-in page. It meets the pool's policy
// (upper and lower case, digits, a symbol, 14 characters). Local only: the emulator's pool
// holds no one real.
const LocalPassword = "Wabot-local-2026!"

// EnsureLocalUser creates, on first use, the local user of role (one of
// resourcenames.AdminRoles) and clientID (required for a brand role, refused for
// platform-admin) in the emulator's pool: email = username (LocalAdminUsername), the brand in
// custom:clientId, a member of the role's group, with LocalPassword. It returns the username.
func EnsureLocalUser(ctx context.Context, cfg aws.Config, pool UserPool, role, clientID string) (string, error) {
	if !slices.Contains(resourcenames.AdminRoles, role) {
		return "", fmt.Errorf("role %q is not one of %v", role, resourcenames.AdminRoles)
	}
	if role == resourcenames.RolePlatformAdmin && clientID != "" {
		return "", fmt.Errorf("a %s acts on every brand: give no clientId", role)
	}
	if role != resourcenames.RolePlatformAdmin {
		if err := resourcenames.ValidateID(resourcenames.UserAttrClientID, clientID); err != nil {
			return "", fmt.Errorf("a %s needs its brand: %w", role, err)
		}
	}
	if !slices.Contains(pool.Groups, role) {
		return "", fmt.Errorf("user pool %s has no group %s (its groups: %v): is the group in the template?", pool.Name, role, pool.Groups)
	}
	c := cip.NewFromConfig(cfg)
	username := LocalAdminUsername(role, clientID)
	attrs := []ciptypes.AttributeType{
		{Name: aws.String("email"), Value: aws.String(username)},
		{Name: aws.String("email_verified"), Value: aws.String("true")},
	}
	if clientID != "" {
		attrs = append(attrs, ciptypes.AttributeType{Name: aws.String(resourcenames.ClaimClientID), Value: aws.String(clientID)})
	}
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(username),
		UserAttributes: attrs, MessageAction: ciptypes.MessageActionTypeSuppress,
	})
	var exists *ciptypes.UsernameExistsException
	if err != nil && !errors.As(err, &exists) {
		return "", fmt.Errorf("create user %s: %w", username, err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(username),
		Password: aws.String(LocalPassword), Permanent: true,
	}); err != nil {
		return "", fmt.Errorf("set the password of %s: %w", username, err)
	}
	if _, err := c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
		UserPoolId: aws.String(pool.ID), Username: aws.String(username), GroupName: aws.String(role),
	}); err != nil {
		return "", fmt.Errorf("add %s to group %s: %w", username, role, err)
	}
	return username, nil
}

// AdminIDToken signs in to the emulator's user pool as the local user of role and clientID
// (EnsureLocalUser creates it on first use) through the app client clientName, and returns
// the ID token and the username.
func AdminIDToken(ctx context.Context, cfg aws.Config, pool UserPool, clientName, role, clientID string) (token, username string, err error) {
	appClient, ok := pool.Clients[clientName]
	if !ok {
		return "", "", fmt.Errorf("user pool %s has no app client %s", pool.Name, clientName)
	}
	username, err = EnsureLocalUser(ctx, cfg, pool, role, clientID)
	if err != nil {
		return "", "", err
	}
	out, err := cip.NewFromConfig(cfg).InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(appClient),
		AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{
			"USERNAME": username,
			"PASSWORD": LocalPassword,
		},
	})
	if err != nil {
		return "", "", fmt.Errorf("sign in as %s: %w", username, err)
	}
	if out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.IdToken) == "" {
		return "", "", fmt.Errorf("sign in as %s: no ID token (challenge %s)", username, out.ChallengeName)
	}
	return aws.ToString(out.AuthenticationResult.IdToken), username, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// optScalar renders a CloudFormation scalar as a string, nil when absent.
func optScalar(v any) *string {
	if v == nil {
		return nil
	}
	return aws.String(scalar(v))
}

// number reads a CloudFormation integer, written as a JSON number or a string.
func number(v any) (int32, bool) {
	if v == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(scalar(v), 10, 32)
	return int32(n), err == nil
}
