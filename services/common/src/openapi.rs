//! What the OpenAPI document says of errors: every one is a problem+json
//! document ([`crate::Problem`]), whatever the operation.
use utoipa::openapi::{
    Content, OpenApi, Ref, RefOr, Response,
    path::Operation,
    schema::{ArrayBuilder, ObjectBuilder, Schema, Type},
};

use crate::problem::PROBLEM_JSON;

/// Name of the error document's schema in `components.schemas`.
const PROBLEM: &str = "Problem";

/// What any operation may answer besides what it documents: the host is
/// unknown (404) or suspended (503), the token refused (401), the body too
/// large (413), not JSON (415) or malformed (400), too many requests (429).
const DEFAULT: &str = "Any other error (400, 401, 403, 404, 405, 409, 413, 415, 429, 503), as problem+json";

/// Adds the problem+json schema to `doc`, gives it to every documented error
/// response that has no body, and adds a `default` response for the errors
/// every operation may meet (so a client knows the body of each).
pub fn document_problems(doc: &mut OpenApi) {
    doc.components.get_or_insert_with(Default::default).schemas.insert(PROBLEM.into(), problem_schema());
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            document(operation);
        }
    }
}

fn document(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let (true, RefOr::T(response)) = (is_error, response)
            && response.content.is_empty()
        {
            response.content.insert(PROBLEM_JSON.into(), problem_content());
        }
    }
    responses.entry("default".into()).or_insert_with(|| {
        let mut response = Response::new(DEFAULT);
        response.content.insert(PROBLEM_JSON.into(), problem_content());
        RefOr::T(response)
    });
}

fn problem_content() -> RefOr<Content> {
    RefOr::T(Content::new(Some(Ref::from_schema_name(PROBLEM))))
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

/// RFC 9457 with the platform's stable `code`, the fields at fault and the request id.
fn problem_schema() -> RefOr<Schema> {
    let field_error = ObjectBuilder::new()
        .property("field", string("The field at fault, e.g. `answers[0]`."))
        .property("message", string("What it should be."))
        .required("field")
        .required("message");
    ObjectBuilder::new()
        .description(Some("An error, RFC 9457 problem+json."))
        .property("type", string("`urn:participation:problem:<code>`."))
        .property("title", string("The error in words (French, or English with `Accept-Language: en`)."))
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property("code", string("Stable machine code, e.g. `validation_failed`, `not_found`."))
        .property("detail", string("More about this occurrence."))
        .property("errors", ArrayBuilder::new().items(field_error))
        .property("request_id", string("Also in the logs and the `X-Request-Id` header."))
        .required("type")
        .required("title")
        .required("status")
        .required("code")
        .into()
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::{OpenApiBuilder, PathItem, Paths, ResponseBuilder, path::HttpMethod};

    use super::*;

    #[test]
    fn every_operation_documents_its_errors_as_problems() {
        let mut operation = Operation::new();
        operation.responses.responses.insert("200".into(), RefOr::T(ResponseBuilder::new().build()));
        operation.responses.responses.insert("404".into(), RefOr::T(ResponseBuilder::new().build()));
        let mut paths = Paths::new();
        paths.paths.insert("/x".into(), PathItem::new(HttpMethod::Get, operation));
        let mut doc = OpenApiBuilder::new().paths(paths).build();
        document_problems(&mut doc);
        let json = serde_json::to_value(&doc).unwrap();
        let responses = &json["paths"]["/x"]["get"]["responses"];
        let problem = "#/components/schemas/Problem";
        assert_eq!(responses["404"]["content"][PROBLEM_JSON]["schema"]["$ref"], problem);
        assert_eq!(responses["default"]["content"][PROBLEM_JSON]["schema"]["$ref"], problem);
        assert!(responses["200"].get("content").is_none(), "a success keeps its own body");
        assert!(json["components"]["schemas"]["Problem"]["required"].as_array().unwrap().len() == 4);
    }
}
