//! The deployment template (`deploy/template.yaml`) spells names the code also spells:
//! the table's keys and indexes, the TTL attribute, the stream, the environment the handler
//! reads (as the API and as the notifier), the routes the router serves, the DynamoDB actions
//! the store calls, the mail permissions and the stream wiring. These tests read the template
//! and the code and fail when one changes without the other.
//!
//! The template uses CloudFormation's short tags (`!Ref`, `!Sub`, `!GetAtt`, `!If`);
//! serde_yaml keeps them as `Value::Tagged`, which [`untag`] and [`resolve`] understand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use handler::config::{Config, Mode, DEFAULT_RATE_LIMIT, DEFAULT_RETENTION_DAYS};
use handler::ratelimit::ORIGIN_SECRET_HEADER;
use handler::store::schema;
use serde_yaml::Value;

/// Variables only the local server reads; setting them under Lambda would be a mistake
/// (an endpoint would send production data to a test database).
const LOCAL_ONLY: [&str; 10] = [
    "MIKKE_DYNAMODB_ENDPOINT",
    // Mail leaves through SES under Lambda (the default there); SMTP and files are local,
    // and an SES endpoint is for tests against moto.
    "MIKKE_MAIL_TRANSPORT",
    "MIKKE_SMTP_URL",
    "MIKKE_MAIL_DIR",
    "MIKKE_SES_ENDPOINT",
    "MIKKE_DATA_DIR",
    "MIKKE_PORT",
    "MIKKE_SITE_DIR",
    // The SQLite store's group-commit size.
    "MIKKE_WRITE_BATCH",
    // The key in clear: for local runs and tests; deployed functions read it from SSM
    // (MIKKE_SIGNING_KEY_PARAMETER), so it is in neither the template nor the function.
    "MIKKE_SIGNING_KEY",
];

/// Set by the template for a feature the handler does not read yet (issue 6: the diary
/// links' signing key, fetched from SSM at start). Once `config.rs` reads one of these,
/// `pending_variables_are_not_yet_read` fails: move it out of this list.
const PENDING: [&str; 0] = [];

/// Stands in for a value CloudFormation reads from Parameter Store at deploy time.
const SSM_VALUE: &str = "ssm-value-0123456789abcdef0123456789abcdef";

/// Where the packaged zip is unpacked on Lambda; `scripts/package.sh` puts
/// `catalog.json` and `mail.json` at the zip's root.
const LAMBDA_CATALOG: &str = "/var/task/catalog.json";
const LAMBDA_MAIL_BUNDLE: &str = "/var/task/mail.json";

/// The two functions of the one binary: the API and the mail sender (`MIKKE_FUNCTION`).
const API: &str = "Handler";
const NOTIFIER: &str = "Notifier";

fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

fn read(relative: &str) -> String {
    let path = repo_file(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn template() -> Value {
    serde_yaml::from_str(&read("deploy/template.yaml")).expect("deploy/template.yaml is valid YAML")
}

/// The value under a tag, or the value itself.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    let mut cur = untag(v);
    for (i, key) in path.iter().enumerate() {
        cur = untag(
            cur.get(*key)
                .unwrap_or_else(|| panic!("template has no {}", path[..=i].join("."))),
        );
    }
    cur
}

fn text(v: &Value) -> String {
    match untag(v) {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("expected a scalar, got {other:?}"),
    }
}

fn list(v: &Value) -> &Vec<Value> {
    untag(v)
        .as_sequence()
        .unwrap_or_else(|| panic!("expected a list, got {v:?}"))
}

/// A scalar or a list of scalars (IAM accepts both), as strings.
fn scalars(v: &Value) -> Vec<String> {
    match untag(v) {
        Value::Sequence(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

/// The resources of one CloudFormation type, by logical id.
fn resources_of<'a>(t: &'a Value, ty: &str) -> BTreeMap<String, &'a Value> {
    untag(get(t, &["Resources"]))
        .as_mapping()
        .expect("Resources is a mapping")
        .iter()
        .filter(|(_, r)| text(get(r, &["Type"])) == ty)
        .map(|(id, r)| (text(id), r))
        .collect()
}

fn only_resource<'a>(t: &'a Value, ty: &str) -> (String, &'a Value) {
    let all = resources_of(t, ty);
    assert_eq!(
        all.len(),
        1,
        "expected exactly one {ty}, found {:?}",
        all.keys()
    );
    let (id, r) = all.into_iter().next().unwrap();
    (id, r)
}

fn table(t: &Value) -> &Value {
    get(only_resource(t, "AWS::DynamoDB::Table").1, &["Properties"])
}

fn key_schema(v: &Value) -> Vec<(String, String)> {
    list(v)
        .iter()
        .map(|k| (text(get(k, &["AttributeName"])), text(get(k, &["KeyType"]))))
        .collect()
}

fn hash_range(pk: &str, sk: &str) -> Vec<(String, String)> {
    vec![
        (pk.to_string(), "HASH".to_string()),
        (sk.to_string(), "RANGE".to_string()),
    ]
}

#[test]
fn table_keys_and_types_are_the_stores() {
    let t = template();
    let table = table(&t);
    let defined: BTreeSet<(String, String)> = list(get(table, &["AttributeDefinitions"]))
        .iter()
        .map(|a| {
            (
                text(get(a, &["AttributeName"])),
                text(get(a, &["AttributeType"])),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = schema::KEY_ATTRIBUTES
        .iter()
        .map(|(n, ty)| (n.to_string(), ty.to_string()))
        .collect();
    assert_eq!(
        defined, expected,
        "AttributeDefinitions must be exactly schema::KEY_ATTRIBUTES"
    );
    assert_eq!(
        key_schema(get(table, &["KeySchema"])),
        hash_range(schema::PK, schema::SK)
    );
    assert_eq!(text(get(table, &["BillingMode"])), "PAY_PER_REQUEST");
}

#[test]
fn secondary_indexes_are_the_stores_by_name_and_key() {
    let t = template();
    let indexes: BTreeMap<String, (Vec<(String, String)>, String)> =
        list(get(table(&t), &["GlobalSecondaryIndexes"]))
            .iter()
            .map(|i| {
                (
                    text(get(i, &["IndexName"])),
                    (
                        key_schema(get(i, &["KeySchema"])),
                        text(get(i, &["Projection", "ProjectionType"])),
                    ),
                )
            })
            .collect();
    let expected = BTreeMap::from([
        (
            schema::GSI_STATUS.to_string(),
            (
                hash_range(schema::GSI_STATUS_PK, schema::GSI_STATUS_SK),
                "ALL".to_string(),
            ),
        ),
        (
            schema::GSI_KIND.to_string(),
            (
                hash_range(schema::GSI_KIND_PK, schema::GSI_KIND_SK),
                "ALL".to_string(),
            ),
        ),
    ]);
    // Projection ALL: the store reads whole records from the indexes.
    assert_eq!(indexes, expected);
}

#[test]
fn ttl_backups_and_encryption_are_on() {
    let t = template();
    let table = table(&t);
    assert_eq!(
        text(get(table, &["TimeToLiveSpecification", "AttributeName"])),
        schema::TTL_ATTR
    );
    assert_eq!(
        text(get(table, &["TimeToLiveSpecification", "Enabled"])),
        "true"
    );
    assert_eq!(
        text(get(
            table,
            &[
                "PointInTimeRecoverySpecification",
                "PointInTimeRecoveryEnabled"
            ]
        )),
        "true"
    );
    assert_eq!(
        text(get(table, &["SSESpecification", "SSEEnabled"])),
        "true"
    );
    let (_, resource) = only_resource(&t, "AWS::DynamoDB::Table");
    assert_eq!(
        text(get(resource, &["DeletionPolicy"])),
        "Retain",
        "applications must survive stack deletion"
    );
}

// ------------------------------------------------------------------ environment

/// `"MIKKE_…"` string literals in the configuration module: the variables it reads.
fn variables_read_by_config() -> BTreeSet<String> {
    let source = read("handler/src/config.rs");
    let code = source.split("#[cfg(test)]").next().unwrap_or(&source);
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(start) = rest.find("\"MIKKE_") {
        let after = &rest[start + 1..];
        let end = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if after[end..].starts_with('"') {
            names.insert(after[..end].to_string());
        }
        rest = &after[end..];
    }
    assert!(
        names.len() >= 5,
        "found only {names:?} in config.rs: has the way variables are read changed?"
    );
    names
}

/// The properties of function `id` (the template has exactly the API and the notifier).
fn function<'a>(t: &'a Value, id: &str) -> &'a Value {
    let functions = resources_of(t, "AWS::Serverless::Function");
    assert_eq!(
        functions.keys().collect::<Vec<_>>(),
        [API, NOTIFIER],
        "the template's functions"
    );
    get(functions[id], &["Properties"])
}

fn template_environment(t: &Value, id: &str) -> BTreeMap<String, Value> {
    untag(get(function(t, id), &["Environment", "Variables"]))
        .as_mapping()
        .expect("Environment.Variables is a mapping")
        .iter()
        .map(|(k, v)| (text(k), v.clone()))
        .collect()
}

#[test]
fn template_sets_every_variable_the_handler_reads_under_lambda() {
    let read = variables_read_by_config();
    let t = template();
    let mut env = template_environment(&t, API);
    env.extend(template_environment(&t, NOTIFIER));
    for name in &read {
        if LOCAL_ONLY.contains(&name.as_str()) {
            assert!(
                !env.contains_key(name),
                "{name} is for local runs only and must not be set on Lambda"
            );
        } else {
            assert!(
                env.contains_key(name),
                "config.rs reads {name} but deploy/template.yaml does not set it"
            );
        }
    }
    for local in LOCAL_ONLY {
        assert!(
            read.contains(local),
            "{local} is listed as local-only but config.rs no longer reads it"
        );
    }
}

#[test]
fn template_sets_no_variable_the_handler_ignores() {
    let read = variables_read_by_config();
    let t = template();
    for id in [API, NOTIFIER] {
        for name in template_environment(&t, id).keys() {
            assert!(
                read.contains(name) || PENDING.contains(&name.as_str()),
                "deploy/template.yaml sets {name} on {id}, which config.rs does not read (a typo, or a removed setting)"
            );
            assert!(!LOCAL_ONLY.contains(&name.as_str()), "{name} on {id}");
        }
    }
}

#[test]
fn pending_variables_are_not_yet_read() {
    let read = variables_read_by_config();
    for name in PENDING {
        assert!(
            !read.contains(name),
            "config.rs now reads {name}: remove it from PENDING in this test"
        );
    }
}

/// What CloudFormation would make of a value, with the parameters' defaults (overridden
/// by `overrides`) and stand-ins for resource names and attributes.
fn resolve(t: &Value, v: &Value, overrides: &BTreeMap<&str, &str>) -> String {
    let lookup = |name: &str| -> String {
        if let Some(v) = overrides.get(name) {
            return v.to_string();
        }
        if let Some(p) = untag(get(t, &["Parameters"])).get(name) {
            if p.get("Type")
                .is_some_and(|ty| text(ty).starts_with("AWS::SSM::Parameter::Value"))
            {
                // CloudFormation passes the value stored under the parameter's name.
                return SSM_VALUE.into();
            }
            return p.get("Default").map(text).unwrap_or_default();
        }
        match name {
            "AWS::Region" => "ap-northeast-1".into(),
            "AWS::AccountId" => "123456789012".into(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::StackName" => "mikke".into(),
            n if n.contains('.') => {
                let (resource, attribute) = n.split_once('.').unwrap();
                assert!(
                    untag(get(t, &["Resources"])).get(resource).is_some(),
                    "!GetAtt of unknown {resource}"
                );
                match attribute {
                    "DomainName" => "d111111abcdef8.cloudfront.net".into(),
                    _ => format!("<{n}>"),
                }
            }
            n => {
                assert!(
                    untag(get(t, &["Resources"])).get(n).is_some(),
                    "reference to unknown {n}"
                );
                format!("mikke-{n}-1ABCDEF")
            }
        }
    };
    match v {
        Value::Tagged(tagged) if tagged.tag == "Ref" => lookup(&text(&tagged.value)),
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => lookup(&text(&tagged.value)),
        Value::Tagged(tagged) if tagged.tag == "Sub" => {
            let mut out = String::new();
            let mut rest = text(&tagged.value);
            while let Some(start) = rest.find("${") {
                let end = rest[start..].find('}').expect("closed ${") + start;
                out.push_str(&rest[..start]);
                out.push_str(&lookup(&rest[start + 2..end]));
                rest = rest[end + 1..].to_string();
            }
            out + &rest
        }
        Value::Tagged(tagged) if tagged.tag == "If" => {
            let args = list(&tagged.value);
            let condition = text(&args[0]);
            // Not `get`: it strips the tags the condition is made of.
            let raw = get(t, &["Conditions"])
                .get(&condition)
                .unwrap_or_else(|| panic!("no condition {condition}"));
            let holds = condition_holds(t, raw, overrides);
            resolve(t, &args[if holds { 1 } else { 2 }], overrides)
        }
        Value::Tagged(tagged) => {
            panic!("no resolver for !{} in an environment variable", tagged.tag)
        }
        other => text(other),
    }
}

fn condition_holds(t: &Value, c: &Value, overrides: &BTreeMap<&str, &str>) -> bool {
    match c {
        Value::Tagged(tagged) if tagged.tag == "Not" => {
            !condition_holds(t, &list(&tagged.value)[0], overrides)
        }
        Value::Tagged(tagged) if tagged.tag == "Equals" => {
            let args = list(&tagged.value);
            resolve(t, &args[0], overrides) == resolve(t, &args[1], overrides)
        }
        other => panic!("no evaluator for condition {other:?}"),
    }
}

fn lambda_config(overrides: &[(&str, &str)]) -> Config {
    function_config(API, overrides)
}

/// The configuration function `id` starts with under the template's environment.
fn function_config(id: &str, overrides: &[(&str, &str)]) -> Config {
    let t = template();
    let overrides: BTreeMap<&str, &str> = overrides.iter().copied().collect();
    let env: BTreeMap<String, String> = template_environment(&t, id)
        .iter()
        .map(|(k, v)| (k.clone(), resolve(&t, v, &overrides)))
        .collect();
    Config::from_vars(Mode::Lambda, |name| env.get(name).cloned())
        .unwrap_or_else(|e| panic!("the handler refuses the template's environment {env:?}:\n{e}"))
}

#[test]
fn the_handler_starts_with_the_templates_environment() {
    let c = lambda_config(&[]);
    assert_eq!(c.site_url, "https://d111111abcdef8.cloudfront.net");
    assert_eq!(
        c.allowed_origins,
        ["https://d111111abcdef8.cloudfront.net"],
        "the site's own origin posts the forms"
    );
    assert_eq!(c.table, "mikke-Table-1ABCDEF");
    assert_eq!(c.dynamodb_endpoint, None);
    assert_eq!(c.catalog, PathBuf::from(LAMBDA_CATALOG));
    assert_eq!(
        (c.rate_limit, c.retention_days),
        (DEFAULT_RATE_LIMIT, DEFAULT_RETENTION_DAYS)
    );
    assert!(
        c.origin_secret
            .as_ref()
            .is_some_and(|s| s.matches(SSM_VALUE.as_bytes())),
        "the function knows the secret CloudFront sends"
    );
    assert_eq!(c.function, handler::config::Function::Api);
    assert_eq!(
        c.mail_bundle,
        PathBuf::from(LAMBDA_MAIL_BUNDLE),
        "the console reads who is staff from the bundle"
    );
}

#[test]
fn the_notifier_starts_as_the_mail_sender_through_ses_with_the_bundle() {
    let c = function_config(NOTIFIER, &[("MailDomain", "mikke.example.jp")]);
    assert_eq!(c.function, handler::config::Function::Notifier);
    assert_eq!(c.mail_transport, handler::config::MailTransport::Ses);
    assert_eq!(c.mail_bundle, PathBuf::from(LAMBDA_MAIL_BUNDLE));
    assert_eq!(c.catalog, PathBuf::from(LAMBDA_CATALOG));
    assert_eq!(c.table, "mikke-Table-1ABCDEF", "the API's table");
    assert_eq!(
        c.site_url, "https://d111111abcdef8.cloudfront.net",
        "its links point at the site"
    );
    assert_eq!(c.mail_rate, Some(14), "SES's default quota");
    assert_eq!(
        c.ses_configuration_set.as_deref(),
        Some("mikke-MailConfigurationSet-1ABCDEF")
    );
    assert!(matches!(
        c.signing_key,
        handler::config::KeySource::Parameter(_)
    ));
}

#[test]
fn a_custom_domain_is_the_site_and_both_domains_may_post() {
    let c = lambda_config(&[
        ("DomainName", "mikke.example.jp"),
        (
            "CertificateArn",
            "arn:aws:acm:us-east-1:123456789012:certificate/x",
        ),
    ]);
    assert_eq!(c.site_url, "https://mikke.example.jp");
    assert_eq!(c.thanks_url(), "https://mikke.example.jp/apply/thanks/");
    assert_eq!(
        c.allowed_origins,
        [
            "https://mikke.example.jp",
            "https://d111111abcdef8.cloudfront.net"
        ]
    );
}

#[test]
fn the_package_script_puts_the_catalog_and_the_bundle_where_the_template_says() {
    let script = read("scripts/package.sh");
    assert!(
        script.contains("catalog.json")
            && script.contains("bootstrap")
            && script.contains("mail.json"),
        "scripts/package.sh must zip all three"
    );
    let t = template();
    for id in [API, NOTIFIER] {
        let code_uri = text(get(function(&t, id), &["CodeUri"]));
        let zip_name = code_uri.rsplit('/').next().unwrap();
        assert!(
            script.contains(zip_name),
            "scripts/package.sh must write {zip_name} ({id}'s CodeUri)"
        );
    }
}

// ------------------------------------------------------------------ routes

/// `(METHOD, path)` of every `.route(...)` in app.rs, except catch-alls (`{*rest}`)
/// and OPTIONS (CORS preflight: the deployment is same-origin, so never needed); the
/// console's routes (console/mod.rs) as the two greedy `/staff/{proxy+}` routes that carry
/// them (`/staff/` reaches the function as `/staff/today`, CloudFront's rewrite).
fn routes_served() -> BTreeSet<(String, String)> {
    let mut routes = routes_in("handler/src/app.rs");
    for (method, path) in routes_in("handler/src/console/mod.rs") {
        assert!(
            path.starts_with("/staff"),
            "console route {path} outside /staff"
        );
        if path != "/staff" && path != "/staff/" {
            routes.insert((method, "/staff/{proxy+}".to_string()));
        }
    }
    routes
}

fn routes_in(file: &str) -> BTreeSet<(String, String)> {
    let source = read(file);
    let code = source.split("#[cfg(test)]").next().unwrap_or(&source);
    let mut routes = BTreeSet::new();
    for chunk in code.split(".route(").skip(1) {
        let path = chunk
            .split('"')
            .nth(1)
            .expect("a route path literal")
            .to_string();
        // The route's arguments end where the next method call on the router starts.
        let args = chunk.split("\n        .").next().unwrap_or(chunk);
        let args = args.split(".with_state(").next().unwrap_or(args);
        if path.contains("{*") {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = args.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0 || !args[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if called {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(
        !routes.is_empty(),
        "no routes found in {file}: has the router moved?"
    );
    routes
}

fn routes_deployed(t: &Value) -> BTreeSet<(String, String)> {
    resources_of(t, "AWS::ApiGatewayV2::Route")
        .values()
        .map(|r| {
            let key = text(get(r, &["Properties", "RouteKey"]));
            let (method, path) = key
                .split_once(' ')
                .unwrap_or_else(|| panic!("route key {key:?} is not `METHOD /path`"));
            (method.to_string(), path.to_string())
        })
        .collect()
}

#[test]
fn the_api_routes_exactly_what_the_router_serves() {
    let t = template();
    assert_eq!(
        routes_deployed(&t),
        routes_served(),
        "each route in handler/src/app.rs needs an AWS::ApiGatewayV2::Route in deploy/template.yaml, and no other"
    );
}

#[test]
fn every_route_reaches_the_function_through_cloudfront() {
    let t = template();
    let (integration, _) = only_resource(&t, "AWS::ApiGatewayV2::Integration");
    for (id, route) in resources_of(&t, "AWS::ApiGatewayV2::Route") {
        assert_eq!(
            text(get(route, &["Properties", "Target"])),
            format!("integrations/${{{integration}}}"),
            "{id}"
        );
    }
    for (_, path) in routes_deployed(&t) {
        assert!(
            path.starts_with("/api/") || path.starts_with("/staff/"),
            "{path} is outside CloudFront's /api/* and /staff/* behaviours"
        );
    }
    let behaviors = list(get(
        only_resource(&t, "AWS::CloudFront::Distribution").1,
        &["Properties", "DistributionConfig", "CacheBehaviors"],
    ));
    let api = behaviors
        .iter()
        .find(|b| text(get(b, &["PathPattern"])) == "/api/*")
        .expect("an /api/* behaviour");
    // CloudFront strips Authorization from GET unless it is in the cache key, and the
    // diary reads its token from there: the /api/* policy must key on it and cache
    // nothing the handler marks no-store (MinTTL 0, DefaultTTL 0).
    let policy_ref = &api["CachePolicyId"];
    assert!(
        matches!(policy_ref, Value::Tagged(tag) if tag.tag == "Ref"),
        "the /api/* behaviour must use the template's own cache policy, got {policy_ref:?}"
    );
    let (policy_id, policy) = only_resource(&t, "AWS::CloudFront::CachePolicy");
    assert_eq!(text(policy_ref), policy_id);
    let config = get(policy, &["Properties", "CachePolicyConfig"]);
    assert_eq!(get(config, &["MinTTL"]).as_u64(), Some(0));
    assert_eq!(get(config, &["DefaultTTL"]).as_u64(), Some(0));
    let headers = get(
        config,
        &["ParametersInCacheKeyAndForwardedToOrigin", "HeadersConfig"],
    );
    assert!(
        list(get(headers, &["Headers"]))
            .iter()
            .any(|h| text(h).eq_ignore_ascii_case("authorization")),
        "Authorization must be in the /api/* cache key or GET /api/diary loses its token"
    );
    assert!(list(get(api, &["AllowedMethods"]))
        .iter()
        .any(|m| text(m) == "POST"));
}

/// The CloudFront behaviour for `/api/*` and the origin it sends to.
fn api_behaviour_and_origin(t: &Value) -> (&Value, &Value) {
    let config = get(
        only_resource(t, "AWS::CloudFront::Distribution").1,
        &["Properties", "DistributionConfig"],
    );
    let api = list(get(config, &["CacheBehaviors"]))
        .iter()
        .find(|b| text(get(b, &["PathPattern"])) == "/api/*")
        .expect("an /api/* behaviour");
    let target = text(get(api, &["TargetOriginId"]));
    let origin = list(get(config, &["Origins"]))
        .iter()
        .find(|o| text(get(o, &["Id"])) == target)
        .expect("the /api/* behaviour's origin");
    (api, origin)
}

#[test]
fn cloudfront_proves_its_requests_with_the_secret_the_function_checks() {
    let t = template();
    let (_, origin) = api_behaviour_and_origin(&t);
    let headers = list(get(origin, &["OriginCustomHeaders"]));
    let secret = headers
        .iter()
        .find(|h| text(get(h, &["HeaderName"])).eq_ignore_ascii_case(ORIGIN_SECRET_HEADER))
        .unwrap_or_else(|| panic!("the API origin must send {ORIGIN_SECRET_HEADER}"));
    let env = template_environment(&t, API);
    // Compared with their tags: both must be the same `!Ref`.
    let value = secret.get("HeaderValue").expect("HeaderValue");
    assert!(
        matches!(value, Value::Tagged(tag) if tag.tag == "Ref"),
        "{value:?}"
    );
    assert_eq!(
        Some(value),
        env.get("MIKKE_ORIGIN_SECRET"),
        "CloudFront must send the very value the function is given"
    );
    let parameter = untag(get(&t, &["Parameters"]))
        .get(text(value))
        .expect("the secret is a template parameter");
    assert_eq!(parameter.get("NoEcho").map(text).as_deref(), Some("true"));
}

#[test]
fn the_api_behaviour_forwards_the_viewer_address() {
    let t = template();
    let (api, _) = api_behaviour_and_origin(&t);
    let policy = api
        .get("OriginRequestPolicyId")
        .expect("the /api/* behaviour has an origin request policy");
    match policy {
        // Managed-AllViewerExceptHostHeader: all viewer headers but Host, plus CloudFront's
        // device-type and viewer-location headers, CloudFront-Viewer-Address among them.
        Value::String(id) => assert_eq!(id, "b689b0a8-53d0-40ab-baf2-68738e2966ac"),
        // A policy of our own must name the header.
        Value::Tagged(tagged) if tagged.tag == "Ref" => {
            let (_, own) = only_resource(&t, "AWS::CloudFront::OriginRequestPolicy");
            let headers = scalars(get(
                own,
                &[
                    "Properties",
                    "OriginRequestPolicyConfig",
                    "HeadersConfig",
                    "Headers",
                ],
            ));
            assert!(
                headers
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case("CloudFront-Viewer-Address")),
                "{headers:?}"
            );
        }
        other => panic!("unexpected OriginRequestPolicyId {other:?}"),
    }
}

// ------------------------------------------------------------------ permissions

/// The IAM actions the DynamoDB store needs, from the SDK calls in its source.
/// Transactions are authorised per item (a transactional Put needs PutItem).
/// Table administration (`dynamo/table.rs`: create, describe, TTL) runs only in local
/// runs and tests, never under Lambda, so it is not granted.
fn actions_called_by_store() -> BTreeSet<String> {
    let mut source = read("store/src/dynamo.rs");
    let dir = repo_file("store/src/dynamo");
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        // table.rs: setup, run by hand. erase.rs: erasure runs only from the staff command,
        // under the operator's own credentials (DEPLOY.md); the functions never delete.
        if path
            .file_name()
            .is_some_and(|n| n != "table.rs" && n != "erase.rs")
        {
            source.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    let calls = [
        (".get_item()", "GetItem"),
        (".put_item()", "PutItem"),
        (".update_item()", "UpdateItem"),
        (".delete_item()", "DeleteItem"),
        (".query()", "Query"),
        (".scan()", "Scan"),
        (".batch_get_item()", "BatchGetItem"),
        (".batch_write_item()", "BatchWriteItem"),
        (".transact_get_items()", "GetItem"),
        ("Put::builder()", "PutItem"),
        ("Update::builder()", "UpdateItem"),
        ("Delete::builder()", "DeleteItem"),
        ("ConditionCheck::builder()", "ConditionCheckItem"),
    ];
    calls
        .iter()
        .filter(|(call, _)| source.contains(call))
        .map(|(_, action)| format!("dynamodb:{action}"))
        .collect()
}

/// The statements of role `id`: (actions, resolved resources).
fn statements(t: &Value, id: &str) -> Vec<(Vec<String>, BTreeSet<String>)> {
    let roles = resources_of(t, "AWS::IAM::Role");
    let role = roles.get(id).unwrap_or_else(|| panic!("no role {id}"));
    let mut out = Vec::new();
    for policy in list(get(role, &["Properties", "Policies"])) {
        for statement in list(get(policy, &["PolicyDocument", "Statement"])) {
            assert_eq!(text(get(statement, &["Effect"])), "Allow");
            let actions = scalars(get(statement, &["Action"]));
            for action in &actions {
                assert!(!action.contains('*'), "no wildcards: {action}");
            }
            let resource = statement.get("Resource").expect("a Resource");
            let resources = match untag(resource) {
                Value::Sequence(rs) => rs.iter().map(|r| resolve(t, r, &BTreeMap::new())).collect(),
                _ => BTreeSet::from([resolve(t, resource, &BTreeMap::new())]),
            };
            for r in &resources {
                assert!(!r.ends_with('*') && r != "*", "no wildcard resources: {r}");
            }
            out.push((actions, resources));
        }
    }
    out
}

/// Neither function may delete: DeleteItem is erasure's alone, which only staff run.
#[test]
fn no_function_may_delete_items() {
    assert!(read("store/src/dynamo/erase.rs").contains(".delete_item()"));
    let t = template();
    for role in ["HandlerRole", "NotifierRole"] {
        for (actions, _) in statements(&t, role) {
            assert!(
                !actions.iter().any(|a| a.contains("Delete")),
                "{role}: {actions:?}"
            );
        }
    }
}

#[test]
fn each_function_may_do_exactly_what_the_store_does() {
    assert!(
        !read("handler/src/main.rs").contains("create_table_if_missing"),
        "main.rs now creates the table at start: grant DescribeTable/CreateTable or drop the call"
    );
    let t = template();
    let roles: Vec<String> = resources_of(&t, "AWS::IAM::Role").into_keys().collect();
    assert_eq!(roles, ["HandlerRole", "NotifierRole"]);
    let (table, _) = only_resource(&t, "AWS::DynamoDB::Table");
    for role in roles {
        let mut granted = BTreeSet::new();
        let mut index_resources = BTreeSet::new();
        for (actions, resources) in statements(&t, &role) {
            let table_actions: Vec<&String> = actions
                .iter()
                .filter(|a| a.starts_with("dynamodb:") && !STREAM_ACTIONS.contains(&a.as_str()))
                .collect();
            granted.extend(table_actions.iter().map(|a| a.to_string()));
            if actions.iter().any(|a| a == "dynamodb:Query") {
                index_resources.extend(resources);
            }
        }
        let declared: BTreeSet<String> =
            schema::IAM_ACTIONS.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            granted, declared,
            "{role}: IAM actions in deploy/template.yaml vs schema::IAM_ACTIONS"
        );
        assert_eq!(
            granted,
            actions_called_by_store(),
            "{role}: IAM actions in deploy/template.yaml vs SDK calls in the store"
        );
        let expected: BTreeSet<String> = [schema::GSI_STATUS, schema::GSI_KIND]
            .iter()
            .map(|g| format!("<{table}.Arn>/index/{g}"))
            .collect();
        assert_eq!(
            index_resources, expected,
            "{role}: Query is granted on the two GSIs only"
        );
    }
}

/// What Lambda's event source mapping calls on the function's behalf to read the stream.
const STREAM_ACTIONS: [&str; 4] = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

#[test]
fn only_the_notifier_reads_the_stream_sends_mail_and_writes_dead_letters_each_on_its_own_resource()
{
    let t = template();
    let grants = |role: &str| -> BTreeMap<String, BTreeSet<String>> {
        let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (actions, resources) in statements(&t, role) {
            for a in actions {
                by_action.entry(a).or_default().extend(resources.clone());
            }
        }
        by_action
    };
    let api = grants("HandlerRole");
    let notifier = grants("NotifierRole");
    for action in api.keys() {
        assert!(
            !action.starts_with("ses:")
                && !action.starts_with("sqs:")
                && !STREAM_ACTIONS.contains(&action.as_str()),
            "the API sends no mail itself: {action}"
        );
    }
    let (table, _) = only_resource(&t, "AWS::DynamoDB::Table");
    for action in STREAM_ACTIONS {
        assert_eq!(
            notifier.get(action),
            Some(&BTreeSet::from([format!("<{table}.StreamArn>")])),
            "{action}"
        );
    }
    let mail_resources = BTreeSet::from([
        "arn:aws:ses:ap-northeast-1:123456789012:identity/".to_string(),
        "arn:aws:ses:ap-northeast-1:123456789012:configuration-set/mikke-MailConfigurationSet-1ABCDEF".to_string(),
    ]);
    for action in ["ses:SendEmail", "ses:SendRawEmail"] {
        assert_eq!(
            notifier.get(action),
            Some(&mail_resources),
            "{action}: the one identity"
        );
    }
    assert_eq!(
        notifier.get("sqs:SendMessage"),
        Some(&BTreeSet::from(["<NotifierDeadLetters.Arn>".to_string()]))
    );
}

#[test]
fn the_stream_shows_keys_only_and_wakes_the_notifier_for_new_mail_alone() {
    let t = template();
    assert_eq!(
        text(get(table(&t), &["StreamSpecification", "StreamViewType"])),
        schema::STREAM_VIEW_TYPE
    );
    let (_, mapping) = only_resource(&t, "AWS::Lambda::EventSourceMapping");
    let props = get(mapping, &["Properties"]);
    // `resolve` reads the tags `get` strips: take the raw values.
    let raw = |v: &Value, key: &str| v.get(key).cloned().unwrap_or_else(|| panic!("no {key}"));
    assert_eq!(
        resolve(&t, &raw(props, "FunctionName"), &BTreeMap::new()),
        "mikke-Notifier-1ABCDEF"
    );
    assert_eq!(
        scalars(get(props, &["FunctionResponseTypes"])),
        ["ReportBatchItemFailures"],
        "the notifier reports the first record it could not send (notify/lambda.rs)"
    );
    assert_eq!(text(get(props, &["BisectBatchOnFunctionError"])), "true");
    let retries: u32 = text(get(props, &["MaximumRetryAttempts"])).parse().unwrap();
    assert!((1..=10).contains(&retries), "bounded retries: {retries}");
    assert_eq!(
        resolve(
            &t,
            &raw(
                get(props, &["DestinationConfig", "OnFailure"]),
                "Destination"
            ),
            &BTreeMap::new()
        ),
        "<NotifierDeadLetters.Arn>"
    );
    let pattern: serde_json::Value = serde_json::from_str(&text(get(
        &list(get(props, &["FilterCriteria", "Filters"]))[0],
        &["Pattern"],
    )))
    .unwrap();
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    assert_eq!(
        pattern["dynamodb"]["Keys"][schema::PK]["S"][0]["prefix"],
        format!("{}#", schema::MAIL_PREFIX)
    );
    let (_, rule) = only_resource(&t, "AWS::Events::Rule");
    assert_eq!(
        text(get(rule, &["Properties", "ScheduleExpression"])),
        "rate(1 hour)"
    );
    let target = &list(get(rule, &["Properties", "Targets"]))[0];
    assert_eq!(
        resolve(&t, &raw(target, "Arn"), &BTreeMap::new()),
        "<Notifier.Arn>"
    );
    assert!(
        target.get("Input").is_none(),
        "the notifier recognises EventBridge's own event, not a custom input"
    );
}

#[test]
fn the_console_behaviour_caches_nothing_and_is_the_only_one_given_cookies() {
    let t = template();
    let config = get(
        only_resource(&t, "AWS::CloudFront::Distribution").1,
        &["Properties", "DistributionConfig"],
    );
    let behaviors = list(get(config, &["CacheBehaviors"]));
    let staff = behaviors
        .iter()
        .find(|b| text(get(b, &["PathPattern"])) == "/staff/*")
        .expect("a /staff/* behaviour");
    let (api, _) = api_behaviour_and_origin(&t);
    assert_eq!(
        text(get(staff, &["TargetOriginId"])),
        text(get(api, &["TargetOriginId"])),
        "the console is the API function's"
    );
    // Managed-CachingDisabled; Managed-AllViewerExceptHostHeader forwards the cookie.
    assert_eq!(
        text(get(staff, &["CachePolicyId"])),
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    );
    assert_eq!(
        text(get(staff, &["OriginRequestPolicyId"])),
        "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    );
    assert!(list(get(staff, &["AllowedMethods"]))
        .iter()
        .any(|m| text(m) == "POST"));
    // The API's own cache policy keys on no cookie, and the site's behaviour forwards none.
    let (_, policy) = only_resource(&t, "AWS::CloudFront::CachePolicy");
    let cookies = get(
        policy,
        &[
            "Properties",
            "CachePolicyConfig",
            "ParametersInCacheKeyAndForwardedToOrigin",
            "CookiesConfig",
            "CookieBehavior",
        ],
    );
    assert_eq!(text(cookies), "none");
    let rewrite = list(get(staff, &["FunctionAssociations"]));
    assert_eq!(rewrite.len(), 1);
    let (id, function) = resources_of(&t, "AWS::CloudFront::Function")
        .into_iter()
        .find(|(_, f)| text(get(f, &["Properties", "FunctionCode"])).contains("/staff/today"))
        .expect("the /staff/ rewrite");
    assert!(format!("{:?}", rewrite[0]).contains(&id), "{rewrite:?}");
    let _ = function;
}

/// The CloudFront response headers policies send what deploy/security-headers.json says (the
/// file the local server compiles in), the pages one and the private one (API, diary) alike;
/// only the private one adds no-store; every site and API behaviour has one of them.
#[test]
fn cloudfront_sends_the_security_headers_the_local_server_sends() {
    let t = template();
    let file: serde_json::Value =
        serde_json::from_str(&read("deploy/security-headers.json")).unwrap();
    let want = |name: &str| file[name].as_str().unwrap().to_string();
    let policies = resources_of(&t, "AWS::CloudFront::ResponseHeadersPolicy");
    for (id, private) in [("SitePagesHeaders", false), ("PrivateHeaders", true)] {
        let config = get(policies[id], &["Properties", "ResponseHeadersPolicyConfig"]);
        let security = get(config, &["SecurityHeadersConfig"]);
        assert_eq!(
            text(get(
                security,
                &["ContentSecurityPolicy", "ContentSecurityPolicy"]
            )),
            want("Content-Security-Policy"),
            "{id}"
        );
        assert_eq!(
            text(get(security, &["ReferrerPolicy", "ReferrerPolicy"])),
            want("Referrer-Policy"),
            "{id}"
        );
        assert_eq!(
            text(get(security, &["FrameOptions", "FrameOption"])),
            want("X-Frame-Options"),
            "{id}"
        );
        assert_eq!(want("X-Content-Type-Options"), "nosniff");
        assert_eq!(
            text(get(security, &["ContentTypeOptions", "Override"])),
            "true",
            "{id}"
        );
        let custom: BTreeMap<String, String> = list(get(config, &["CustomHeadersConfig", "Items"]))
            .iter()
            .map(|h| (text(get(h, &["Header"])), text(get(h, &["Value"]))))
            .collect();
        assert_eq!(
            custom.get("Permissions-Policy"),
            Some(&want("Permissions-Policy")),
            "{id}"
        );
        assert_eq!(
            custom.get("Cache-Control").cloned(),
            private.then(|| want("private_cache_control")),
            "{id}"
        );
    }
    let config = get(
        only_resource(&t, "AWS::CloudFront::Distribution").1,
        &["Properties", "DistributionConfig"],
    );
    let policy_of = |b: &Value| text(get(b, &["ResponseHeadersPolicyId"]));
    assert_eq!(
        policy_of(get(config, &["DefaultCacheBehavior"])),
        "SitePagesHeaders"
    );
    let behaviours: BTreeMap<String, String> = list(get(config, &["CacheBehaviors"]))
        .iter()
        .filter(|b| b.get("ResponseHeadersPolicyId").is_some())
        .map(|b| (text(get(b, &["PathPattern"])), policy_of(b)))
        .collect();
    for path in file["private_paths"].as_array().unwrap() {
        let pattern = format!("{}*", path.as_str().unwrap());
        assert_eq!(
            behaviours.get(&pattern).map(String::as_str),
            Some("PrivateHeaders"),
            "{pattern}"
        );
    }
}

/// Both functions' log groups mask e-mail addresses and phone numbers; the stack refuses a
/// region other than the one the privacy policy names.
#[test]
fn log_groups_mask_addresses_and_phones_and_data_stays_in_tokyo() {
    let t = template();
    let groups = resources_of(&t, "AWS::Logs::LogGroup");
    assert!(groups.len() >= 2);
    for (id, group) in groups {
        let policy = get(group, &["Properties", "DataProtectionPolicy"]);
        let statements = list(get(policy, &["Statement"]));
        for operation in ["Audit", "Deidentify"] {
            let s = statements
                .iter()
                .find(|s| untag(get(s, &["Operation"])).get(operation).is_some())
                .unwrap_or_else(|| panic!("{id}: no {operation} statement"));
            let ids = scalars(get(s, &["DataIdentifier"]));
            assert!(
                ids.iter().any(|i| i.ends_with("/EmailAddress")),
                "{id}: {ids:?}"
            );
            assert!(ids.iter().any(|i| i == "PhoneNumberJP"), "{id}: {ids:?}");
        }
        let regex = text(get(
            &list(get(policy, &["Configuration", "CustomDataIdentifier"]))[0],
            &["Regex"],
        ));
        let re = regex_lite::Regex::new(&regex).unwrap();
        for phone in [
            "090-1234-5678",
            "03-1234-5678",
            "+81 90 1234 5678",
            "0312345678",
        ] {
            assert!(re.is_match(phone), "{id}: {phone}");
        }
    }
    assert_eq!(
        text(get(&t, &["Parameters", "DataRegion", "Default"])),
        "ap-northeast-1"
    );
    get(&t, &["Rules", "DataStaysInJapan", "Assertions"]);
}
