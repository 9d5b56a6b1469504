//! Public routes (no token): the landing page, lead capture and the OpenAPI document.

pub mod capture;
pub mod landing_page;
pub mod openapi;
