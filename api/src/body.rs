//! Request bodies: [`JsonObject`] is `web::Json` that takes only a JSON
//! object. serde reads a struct from an array too (`[null, null]` would be a
//! valid PATCH), which the document does not allow and no client means.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A JSON object body, read with the app's `JsonConfig` (size limit,
/// content type, problem+json errors), then into `T`.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move {
            let object = object.await?.into_inner();
            T::deserialize(Value::Object(object))
                .map(JsonObject)
                .map_err(|e| {
                    ApiError::BadRequest(format!("The JSON body is not valid: {e}.")).into()
                })
        })
    }
}
