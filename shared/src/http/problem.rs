//! API errors: one enum, mapped once to an `application/problem+json` response (RFC 9457).

use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};

use crate::domain::validation::FieldError;
use crate::ports::store::StoreError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid bearer token")]
    Unauthorized,
    /// The token is valid but does not say who the person is well enough (no verified email).
    #[error("{0}")]
    UnauthorizedBecause(String),
    /// A webhook without a valid signature (missing, wrong, expired, or none configured).
    #[error("{0}")]
    BadSignature(String),
    #[error("your role may not do this")]
    Forbidden,
    /// Forbidden, with the reason (a rule about whom a role may manage).
    #[error("{0}")]
    ForbiddenBecause(String),
    /// It existed and is no more (a used or expired invite link).
    #[error("{0}")]
    Gone(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("request body is invalid")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    Conflict { detail: String, extra: Value },
    #[error("the resource changed since you read it")]
    PreconditionFailed { current_version: Option<u64> },
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported content type; send {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error("{0}")]
    BadRequest(String),
    /// Slow down: try again after `retry_after` seconds (sent as `Retry-After`).
    #[error("too many requests: try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("service temporarily unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// One invalid field.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            reason: reason.into(),
        }])
    }

    pub fn conflict(detail: impl Into<String>, extra: Value) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            extra,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized
            | ApiError::UnauthorizedBecause(_)
            | ApiError::BadSignature(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Unauthorized
            | ApiError::UnauthorizedBecause(_)
            | ApiError::BadSignature(_) => "Unauthorized",
            ApiError::Forbidden | ApiError::ForbiddenBecause(_) => "Forbidden",
            ApiError::Gone(_) => "Gone",
            ApiError::NotFound(_) => "Not Found",
            ApiError::Validation(_) => "Unprocessable Content",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::PreconditionFailed { .. } => "Precondition Failed",
            ApiError::PayloadTooLarge { .. } => "Content Too Large",
            ApiError::UnsupportedMediaType { .. } => "Unsupported Media Type",
            ApiError::BadRequest(_) => "Bad Request",
            ApiError::TooManyRequests { .. } => "Too Many Requests",
            ApiError::Unavailable(_) => "Service Unavailable",
            ApiError::Internal(_) => "Internal Server Error",
        }
    }

    /// The problem+json document.
    pub fn body(&self) -> Value {
        let status = self.status().as_u16();
        let mut body = json!({
            "type": "about:blank",
            "title": self.title(),
            "status": status,
            "detail": self.to_string(),
        });
        match self {
            ApiError::Validation(errors) => body["errors"] = json!(errors),
            ApiError::Conflict { extra, .. } => {
                if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                    for (k, v) in e {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
            ApiError::PreconditionFailed {
                current_version: Some(v),
            } => body["current_version"] = json!(v),
            _ => {}
        }
        body
    }

    pub fn into_response(self) -> Response<Body> {
        match &self {
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            ApiError::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "dependency unavailable")
            }
            _ => {}
        }
        let mut builder = Response::builder()
            .status(self.status())
            .header(http::header::CONTENT_TYPE, PROBLEM_JSON);
        if matches!(
            self,
            ApiError::Unauthorized | ApiError::UnauthorizedBecause(_)
        ) {
            builder = builder.header(http::header::WWW_AUTHENTICATE, "Bearer");
        }
        if let ApiError::TooManyRequests { retry_after } = self {
            builder = builder.header(http::header::RETRY_AFTER, retry_after);
        }
        builder
            .body(Body::Text(self.body().to_string()))
            .unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict | StoreError::Throttled | StoreError::Backend(_) => {
                ApiError::Unavailable(e.to_string())
            }
            // A named condition that reaches here was not handled by the access pattern:
            // it is still a conflict with the stored state, never a server fault.
            StoreError::ConditionFailed(name) => ApiError::conflict(
                format!("conflicting state: {name}"),
                json!({"conflict": name}),
            ),
            // The store's own words (DynamoDB's ValidationException text names attributes,
            // expressions and limits) are for the log, not for the caller.
            StoreError::Invalid(cause) => {
                tracing::warn!(cause = %cause, "the store refused the request");
                ApiError::BadRequest("the request could not be stored as sent".into())
            }
            StoreError::Corrupt(m) => ApiError::Internal(m),
        }
    }
}

impl From<crate::ports::files::FileStoreError> for ApiError {
    fn from(e: crate::ports::files::FileStoreError) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

impl From<crate::store::imports::ImportWriteError> for ApiError {
    fn from(e: crate::store::imports::ImportWriteError) -> Self {
        use crate::store::imports::ImportWriteError;
        match e {
            ImportWriteError::NotFound => ApiError::NotFound("import"),
            ImportWriteError::Changed { current } => ApiError::PreconditionFailed {
                current_version: Some(current.version),
            },
            ImportWriteError::Store(e) => e.into(),
        }
    }
}

impl From<crate::ports::vault::VaultError> for ApiError {
    /// The key service's words are for the log; the caller learns only to try again.
    fn from(e: crate::ports::vault::VaultError) -> Self {
        tracing::error!(error = %e, "a secret could not be sealed or opened");
        ApiError::Unavailable("a secret could not be sealed or opened; try again later".into())
    }
}

impl From<crate::store::members::MemberError> for ApiError {
    fn from(e: crate::store::members::MemberError) -> Self {
        use crate::domain::member::MemberRuleError;
        use crate::store::members::MemberError as E;
        match e {
            E::NotFound => ApiError::NotFound("member"),
            E::Exists(email) => ApiError::conflict(
                format!("{email} is already a member of this business"),
                json!({"conflict": "email"}),
            ),
            E::Rule(rule @ MemberRuleError::RoleTooHigh { .. }) => {
                ApiError::ForbiddenBecause(rule.to_string())
            }
            E::Rule(rule @ MemberRuleError::LastOwner) => {
                ApiError::conflict(rule.to_string(), json!({"conflict": "last_owner"}))
            }
            E::Store(s) => s.into(),
        }
    }
}

impl From<crate::store::accounts::AccountError> for ApiError {
    fn from(e: crate::store::accounts::AccountError) -> Self {
        use crate::store::accounts::AccountError as E;
        match e {
            E::InviteGone => ApiError::Gone(e.to_string()),
            E::Store(s) => s.into(),
        }
    }
}

impl From<crate::store::leads::LeadWriteError> for ApiError {
    fn from(e: crate::store::leads::LeadWriteError) -> Self {
        use crate::domain::lead::TransitionError;
        use crate::store::leads::LeadWriteError as E;
        match e {
            E::NotFound => ApiError::NotFound("lead"),
            E::StaleVersion { current } => ApiError::PreconditionFailed {
                current_version: Some(current),
            },
            E::Transition(TransitionError::NotAllowed { from, to, allowed }) => ApiError::conflict(
                format!("a lead cannot move from {from} to {to}"),
                serde_json::json!({
                    "conflict": "status",
                    "from": from,
                    "to": to,
                    "allowed": allowed,
                }),
            ),
            E::Transition(TransitionError::ReasonRequired) => {
                ApiError::field("reason", "is required when a lead is lost")
            }
            E::DuplicatePhone { existing_id } => ApiError::conflict(
                format!("lead {existing_id} has this phone number and was captured within the dedupe window"),
                serde_json::json!({"conflict": "phone", "existing_id": existing_id}),
            ),
            E::Store(s) => s.into(),
        }
    }
}

impl From<crate::store::customers::CustomerWriteError> for ApiError {
    fn from(e: crate::store::customers::CustomerWriteError) -> Self {
        use crate::store::customers::CustomerWriteError as E;
        match e {
            E::NotFound => ApiError::NotFound("customer"),
            E::NoteNotFound => ApiError::NotFound("note"),
            E::StaleVersion { current } => ApiError::PreconditionFailed {
                current_version: Some(current),
            },
            E::Taken {
                field,
                value,
                existing_id,
            } => ApiError::conflict(
                format!("the {field} {value} already belongs to customer {existing_id}"),
                serde_json::json!({"conflict": field, "existing_id": existing_id}),
            ),
            E::InsufficientPoints { available, asked } => ApiError::conflict(
                format!("{asked} points asked, but the customer has {available} to redeem"),
                serde_json::json!({"conflict": "points", "available": available}),
            ),
            E::Store(s) => s.into(),
        }
    }
}

impl From<crate::store::customers::IngestError> for ApiError {
    fn from(e: crate::store::customers::IngestError) -> Self {
        use crate::store::customers::IngestError as E;
        match e {
            E::NoContact => {
                ApiError::field("customer", "needs a phone or an email (or give lead_id)")
            }
            E::Store(s) => s.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_own_words_never_reach_the_caller() {
        for e in [
            StoreError::Invalid(
                "ValidationException: One or more parameter values were invalid: \
                 Item size has exceeded the maximum allowed size (attribute notes)"
                    .into(),
            ),
            StoreError::Backend("dispatch failure: io error: connection refused (dynamodb)".into()),
            StoreError::Corrupt("T#acme#LEADS/01J: missing field `status`".into()),
        ] {
            let said = e.to_string();
            let answer = ApiError::from(e);
            let body = answer.body().to_string();
            for word in [
                "ValidationException",
                "attribute",
                "dynamodb",
                "T#acme",
                "status`",
            ] {
                assert!(!body.contains(word), "{said} leaked `{word}`: {body}");
            }
            assert!(answer.status().as_u16() >= 400);
        }
    }
}
