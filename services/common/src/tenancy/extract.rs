//! Extractors: routes name the kind of host they serve by their arguments.
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use super::{PlatformHost, Site, TenantScope, Town};
use crate::problem::Problem;

fn site(req: &HttpRequest) -> Result<Site, Problem> {
    req.extensions().get::<Site>().cloned().ok_or_else(Problem::unknown_host)
}

impl FromRequest for Site {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(site(req))
    }
}

impl FromRequest for Town {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    /// A town route asked on the platform host does not exist there: 404.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match site(req) {
            Ok(Site::Town(town)) => Ok(town),
            Ok(Site::Platform) => Err(Problem::not_found()),
            Err(e) => Err(e),
        })
    }
}

impl FromRequest for TenantScope {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Town::from_request(req, payload).into_inner().map(|t| t.scope()))
    }
}

impl FromRequest for PlatformHost {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match site(req) {
            Ok(Site::Platform) => Ok(PlatformHost),
            Ok(Site::Town(_)) => Err(Problem::not_found()),
            Err(e) => Err(e),
        })
    }
}
