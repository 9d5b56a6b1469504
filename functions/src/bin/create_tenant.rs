//! Lambda function `create_tenant`: wiring only (see `crm_functions::routes::tenants::create`).

crm_functions::http_main!(tenants::create::handle);
