//! `GET /p/{tenant}/book`: the landing page a prospect reaches from an ad (DESIGN §1, §3).
//!
//! One small HTML document, no framework: inline CSS and JS, under 30 KB. Without JavaScript
//! the form posts form-encoded to the capture route (which answers 303 to the booking page);
//! with it, fields are checked inline, the phone gets a country, the lead is sent as JSON and
//! the Meta Pixel's `Lead` fires with the lead id as its event id (the Conversions API sends
//! the same id, so Meta counts the lead once). Everything from settings and the query string
//! is HTML-escaped; the Meta access token never appears in the page.

use std::fmt::Write as _;

use crm_shared::domain::tenant::{is_valid_tenant_id, TenantSettings};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{path_param, query_param};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::IntoParams;

use crate::context::Ctx;
use crate::routes::schema::{query, text, TenantPath};

/// The query parameters the page carries into the form (attribution), with their limits.
pub const TRACKED_PARAMS: &[(&str, usize)] = &[
    ("utm_source", 200),
    ("utm_medium", 200),
    ("utm_campaign", 200),
    ("utm_term", 200),
    ("utm_content", 200),
    ("fbclid", 500),
    ("gclid", 500),
];

/// The page's budget over the wire (issue 6; a browser test measures what is served).
pub const MAX_PAGE_BYTES: usize = 30 * 1024;

/// Countries the phone field offers (ISO region, dialling code); the tenant's region first.
const COUNTRIES: &[(&str, &str)] = &[
    ("IE", "353"),
    ("GB", "44"),
    ("US", "1"),
    ("CA", "1"),
    ("AU", "61"),
    ("DE", "49"),
    ("FR", "33"),
    ("ES", "34"),
    ("IT", "39"),
    ("NL", "31"),
    ("PL", "48"),
    ("PT", "351"),
];

#[utoipa::path(
    get,
    path = "/p/{tenant}/book",
    operation_id = "landing_page",
    params(TenantPath, LandingParams),
    responses(
        (status = 200, description = "The landing page (HTML, under 30 KB, works without JavaScript)", body = String, content_type = "text/html"),
        (status = 400, description = "Malformed request: a try-again page", body = String, content_type = "text/html"),
        (status = 404, description = "Unknown tenant: a not-found page", body = String, content_type = "text/html"),
        (status = 503, description = "The settings could not be read: a try-again page", body = String, content_type = "text/html"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    match page(ctx, &request).await {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(ApiError::NotFound(_)) => html_response(
            StatusCode::NOT_FOUND,
            message_page(
                "Page not found",
                "This booking page does not exist. Please check the link.",
            ),
        ),
        Err(e) => {
            let status = e.status();
            tracing::warn!(error = %e, "landing page not rendered");
            html_response(
                status,
                message_page(
                    "Please try again",
                    "We could not show this page just now. Please try again in a moment.",
                ),
            )
        }
    }
}

async fn page(ctx: &Ctx, request: &Request) -> Result<String, ApiError> {
    let tenant = path_param(request, "tenant")?;
    if !is_valid_tenant_id(&tenant) {
        return Err(ApiError::NotFound("tenant"));
    }
    let settings = ctx.tenant_settings(&tenant).await?;
    let tracked: Vec<(&str, String)> = TRACKED_PARAMS
        .iter()
        .filter_map(|(name, max)| {
            query_param(request, name).map(|v| (*name, v.chars().take(*max).collect()))
        })
        .collect();
    let service = query_param(request, "service");
    Ok(render(&settings, &tracked, service.as_deref()))
}

fn html_response(status: StatusCode, html: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header("content-security-policy", content_security_policy())
        .header("x-frame-options", "DENY")
        .header(http::header::CACHE_CONTROL, "public, max-age=60")
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "strict-origin-when-cross-origin")
        .body(Body::Text(html))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// The page's Content-Security-Policy: nothing runs or loads but its own inline script and
/// style (by hash) and Meta's Pixel; it posts only to its own origin (and follows the 303 to
/// the booking system, any https address); no site may frame it (clickjacking a consent box).
pub fn content_security_policy() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        let hash = |text: &str| {
            use base64::Engine as _;
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(text.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        };
        format!(
            "default-src 'none'; script-src {} {} https://connect.facebook.net; style-src {}; \
             img-src https: data:; connect-src 'self' https://www.facebook.com https://connect.facebook.net; \
             form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'",
            hash(SCRIPT),
            hash(PIXEL),
            hash(STYLE)
        )
    })
}

/// `text` safe inside HTML text and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A Meta Pixel id as Meta issues them (digits); anything else is left out of the page.
fn pixel_id(settings: &TenantSettings) -> Option<&str> {
    let id = settings.meta.as_ref()?.pixel_id.trim();
    (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// An image address the page may show: https only (no `javascript:` or data URLs).
fn logo_url(settings: &TenantSettings) -> Option<&str> {
    settings
        .landing
        .logo_url
        .as_deref()
        .map(str::trim)
        .filter(|u| u.starts_with("https://") && u.len() <= 500)
}

const STYLE: &str = "*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b1f24;background:#f4f6f8}main{max-width:30rem;margin:0 auto;padding:1.25rem 1rem 2rem}header{text-align:center;margin-bottom:1rem}header img{max-height:64px;max-width:60%}h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0}.trust{list-style:none;padding:0;margin:0;color:#3d4650;font-size:.95rem}.trust li{display:inline-block;margin:0 .5rem}.stars{color:#8a5a00}form{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}label{display:block;font-weight:600;margin:.9rem 0 .25rem}.opt{font-weight:400;color:#4a545e}input,select,textarea{width:100%;font:inherit;padding:.7rem .75rem;border:1.5px solid #6b7580;border-radius:8px;background:#fff;color:inherit}textarea{min-height:5rem}input:focus,select:focus,textarea:focus,button:focus{outline:3px solid #0b57d0;outline-offset:2px}[aria-invalid=true]{border-color:#b3261e}.err{color:#b3261e;font-size:.9rem;margin:.2rem 0 0;min-height:0}.phone{display:flex;gap:.5rem}.phone select{width:7.5rem;flex:none}.check{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}.check input{width:1.3rem;height:1.3rem;margin-top:.15rem;flex:none}button{width:100%;margin-top:1.25rem;padding:.9rem;font:inherit;font-weight:700;color:#fff;background:#0b57d0;border:0;border-radius:8px;cursor:pointer}button[disabled]{opacity:.7}.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}#status{margin:.75rem 0 0;text-align:center}footer{text-align:center;color:#4a545e;font-size:.85rem;margin-top:1rem}";

const SCRIPT: &str = r#"(function(){var f=document.getElementById("f"),s=document.getElementById("status"),b=f.querySelector("button"),cc=document.getElementById("cc"),px=f.getAttribute("data-pixel"),home=f.getAttribute("data-region");f.noValidate=true;cc.hidden=false;
var rules={name:function(v){return v.trim()?"":"Please enter your name"},phone:function(v){var d=v.replace(/\D/g,"");return d.length<6||d.length>15?"Please enter a valid phone number":""},email:function(v){v=v.trim();return!v||/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)?"":"Please check your email address"}};
function show(n,m){var i=f.elements[n],e=document.getElementById(n+"-err");if(!i||!e)return;e.textContent=m||"";i.setAttribute("aria-invalid",m?"true":"false")}
function check(n){var m=rules[n](f.elements[n].value);show(n,m);return!m}
Object.keys(rules).forEach(function(n){f.elements[n].addEventListener("blur",function(){if(f.elements[n].value||f.elements[n].getAttribute("aria-invalid"))check(n)})});
function phone(){var v=f.elements.phone.value.trim(),o=cc.options[cc.selectedIndex];if(/^(\+|00)/.test(v)||o.value===home)return v;return"+"+o.getAttribute("data-dial")+" "+v.replace(/^0+/,"")}
f.addEventListener("submit",function(ev){ev.preventDefault();var bad=Object.keys(rules).filter(function(n){return!check(n)});if(bad.length){f.elements[bad[0]].focus();return}
var d={},fd=new FormData(f);fd.forEach(function(v,k){if(v!=="")d[k]=v});d.phone=phone();d.consent=f.elements.consent.checked;d.page_url=location.href;if(document.referrer)d.referrer=document.referrer;var m=document.cookie.match(/(?:^|; )_fbp=([^;]+)/);if(m)d.fbp=m[1];
b.disabled=true;s.textContent="Sending…";
fetch(f.action,{method:"POST",headers:{"content-type":"application/json",accept:"application/json"},body:JSON.stringify(d)}).then(function(r){return r.json().catch(function(){return{}}).then(function(j){
if(r.ok&&j.lead_id){s.textContent="Thanks! Taking you to booking…";if(px&&window.fbq)fbq("track","Lead",{},{eventID:j.lead_id});setTimeout(function(){location.href=j.redirect_url},px?400:0);return}
b.disabled=false;if(j.errors){j.errors.forEach(function(e){show(e.field,e.field.charAt(0).toUpperCase()+e.field.slice(1).replace("_"," ")+" "+e.reason)});s.textContent="Please check the highlighted fields."}else s.textContent=j.detail?"Sorry: "+j.detail:"Sorry, something went wrong. Please try again."})}).catch(function(){b.disabled=false;s.textContent="You seem to be offline. Please try again."})})})();"#;

const PIXEL: &str = r#"!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version="2.0";n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,"script","https://connect.facebook.net/en_US/fbevents.js");fbq("init",document.getElementById("f").getAttribute("data-pixel"));fbq("track","PageView");"#;

/// The page for `settings`, with the tracked query parameters as hidden fields and
/// `service` preselected when it is one of the tenant's.
pub fn render(
    settings: &TenantSettings,
    tracked: &[(&str, String)],
    service: Option<&str>,
) -> String {
    let name = escape(&settings.business_name);
    let landing = &settings.landing;
    let headline = match &landing.headline {
        Some(h) if !h.trim().is_empty() => escape(h.trim()),
        _ => format!("Book at {name}"),
    };
    let mut html = String::with_capacity(12 * 1024);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{headline}</title><meta name=\"description\" content=\"Leave your details and {name} gets back to you.\">\
<style>{STYLE}</style></head><body><main><header>"
    );
    if let Some(logo) = logo_url(settings) {
        let _ = write!(html, "<img src=\"{}\" alt=\"{name}\">", escape(logo));
    }
    let _ = write!(html, "<h1>{headline}</h1>");
    let mut trust = Vec::new();
    if let Some(r) = landing
        .rating
        .filter(|r| r.is_finite() && (0.0..=5.0).contains(r))
    {
        let reviews = landing
            .review_count
            .map(|c| format!(" from {c} reviews"))
            .unwrap_or_default();
        trust.push(format!(
            "<span class=\"stars\" aria-hidden=\"true\">★</span> Rated {r:.1} out of 5{reviews}"
        ));
    } else if let Some(c) = landing.review_count {
        trust.push(format!("{c} reviews"));
    }
    if let Some(a) = landing.address.as_deref().filter(|a| !a.trim().is_empty()) {
        trust.push(escape(a.trim()));
    }
    if let Some(m) = landing.reply_within_minutes {
        trust.push(format!("We reply within {m} minutes"));
    }
    if !trust.is_empty() {
        html.push_str("<ul class=\"trust\">");
        for t in trust {
            let _ = write!(html, "<li>{t}</li>");
        }
        html.push_str("</ul>");
    }
    html.push_str("</header>");
    // Relative, so the form posts to the same API stage the page came from.
    let action = format!("../../public/{}/leads", escape(&settings.tenant_id));
    let region = escape(&settings.default_region.to_ascii_uppercase());
    let _ = write!(
        html,
        "<form id=\"f\" method=\"post\" action=\"{action}\" data-region=\"{region}\""
    );
    if let Some(id) = pixel_id(settings) {
        let _ = write!(html, " data-pixel=\"{id}\"");
    }
    html.push_str(
        "><label for=\"name\">Your name</label>\
<input id=\"name\" name=\"name\" autocomplete=\"name\" required maxlength=\"100\" aria-describedby=\"name-err\">\
<p class=\"err\" id=\"name-err\" aria-live=\"polite\"></p>\
<label for=\"phone\">Mobile number</label><div class=\"phone\">\
<select id=\"cc\" aria-label=\"Country code\" hidden>",
    );
    let mut countries: Vec<(&str, &str)> = COUNTRIES.to_vec();
    if !countries
        .iter()
        .any(|(c, _)| c.eq_ignore_ascii_case(&settings.default_region))
    {
        // The home region reads national numbers as typed: no dialling code needed.
        countries.insert(0, (settings.default_region.as_str(), ""));
    }
    for (country, dial) in &countries {
        let selected = if country.eq_ignore_ascii_case(&settings.default_region) {
            " selected"
        } else {
            ""
        };
        let country = escape(&country.to_ascii_uppercase());
        let _ = write!(
            html,
            "<option value=\"{country}\" data-dial=\"{dial}\"{selected}>{country}{plus}{dial}</option>",
            plus = if dial.is_empty() { "" } else { " +" }
        );
    }
    html.push_str(
        "</select><input id=\"phone\" name=\"phone\" type=\"tel\" autocomplete=\"tel\" inputmode=\"tel\" required maxlength=\"32\" aria-describedby=\"phone-err\"></div>\
<p class=\"err\" id=\"phone-err\" aria-live=\"polite\"></p>\
<label for=\"email\">Email <span class=\"opt\">(optional)</span></label>\
<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" maxlength=\"200\" aria-describedby=\"email-err\">\
<p class=\"err\" id=\"email-err\" aria-live=\"polite\"></p>",
    );
    if !settings.services.is_empty() {
        html.push_str("<label for=\"service\">What would you like?</label><select id=\"service\" name=\"service\"><option value=\"\">Not sure yet</option>");
        for s in &settings.services {
            let selected = if service == Some(s.as_str()) {
                " selected"
            } else {
                ""
            };
            let s = escape(s);
            let _ = write!(html, "<option value=\"{s}\"{selected}>{s}</option>");
        }
        html.push_str("</select>");
    }
    html.push_str(
        "<label for=\"message\">Anything we should know? <span class=\"opt\">(optional)</span></label>\
<textarea id=\"message\" name=\"message\" maxlength=\"2000\"></textarea>\
<label class=\"check\"><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"true\">\
<span>Text me offers and reminders. Reply STOP any time.</span></label>\
<div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">Leave empty</label><input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>",
    );
    for (field, value) in tracked {
        let _ = write!(
            html,
            "<input type=\"hidden\" name=\"{field}\" value=\"{}\">",
            escape(value)
        );
    }
    let _ = write!(
        html,
        "<button type=\"submit\">Request a callback</button><p id=\"status\" role=\"status\" aria-live=\"polite\"></p></form>\
<footer>{name} · your details are only used to get back to you</footer></main><script>{SCRIPT}</script>"
    );
    if pixel_id(settings).is_some() {
        let _ = write!(html, "<script>{PIXEL}</script>");
    }
    html.push_str("</body></html>");
    html
}

/// A small page for "not found" and "try again".
pub fn message_page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{t}</title>\
<style>{STYLE}</style></head><body><main><h1>{t}</h1><p>{x}</p></main></body></html>",
        t = escape(title),
        x = escape(text)
    )
}

/// The query parameters the page reads: [`TRACKED_PARAMS`] and `service`.
pub struct LandingParams;

impl IntoParams for LandingParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params: Vec<Parameter> = TRACKED_PARAMS
            .iter()
            .map(|(name, max)| {
                query(
                    name,
                    text(*max),
                    "Carried into the form as a hidden field (attribution)",
                )
            })
            .collect();
        params.push(query(
            "service",
            text(100),
            "Service to preselect, when it is one of the business's",
        ));
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_shared::domain::tenant::{LandingSettings, MetaSettings};

    fn settings() -> TenantSettings {
        let mut s = TenantSettings::new("demo", "Demo <Day> \"Spa\"", "IE", "https://b.example/x");
        s.services = vec!["Massage".into(), "Facial & <b>glow</b>".into()];
        s.landing = LandingSettings {
            headline: None,
            logo_url: Some("javascript:alert(1)".into()),
            rating: Some(4.87),
            review_count: Some(312),
            address: Some("1 Main St <script>".into()),
            reply_within_minutes: Some(15),
        };
        s
    }

    /// The bodies of every `<tag>…</tag>` in `html`.
    fn inline(html: &str, tag: &str) -> Vec<String> {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        html.split(&open)
            .skip(1)
            .filter_map(|rest| rest.split_once(&close).map(|(body, _)| body.to_owned()))
            .collect()
    }

    #[test]
    fn the_policy_allows_each_inline_script_and_style_of_the_page_by_hash_and_forbids_framing() {
        use base64::Engine as _;
        use sha2::Digest as _;
        let mut s = settings();
        s.meta = Some(MetaSettings {
            pixel_id: "123456789012345".into(),
            access_token: "secret".into(),
            test_event_code: None,
        });
        let html = render(&s, &[], None);
        let csp = content_security_policy();
        let scripts = inline(&html, "script");
        let styles = inline(&html, "style");
        assert_eq!(
            (scripts.len(), styles.len()),
            (2, 1),
            "the page's own and the Pixel"
        );
        for (block, directive) in scripts
            .iter()
            .map(|b| (b, "script-src"))
            .chain(styles.iter().map(|b| (b, "style-src")))
        {
            let hash = base64::engine::general_purpose::STANDARD
                .encode(sha2::Sha256::digest(block.as_bytes()));
            let allowed = csp
                .split(';')
                .find(|d| d.trim().starts_with(directive))
                .unwrap_or_default();
            assert!(
                allowed.contains(&format!("'sha256-{hash}'")),
                "{directive}: {csp}"
            );
        }
        assert!(!csp.contains("'unsafe-inline'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        let page = html_response(StatusCode::OK, html);
        assert_eq!(page.headers()["content-security-policy"], csp);
        assert_eq!(page.headers()["x-frame-options"], "DENY");
    }

    #[test]
    fn everything_from_settings_and_the_query_is_escaped() {
        let tracked = vec![("utm_source", "\"><script>alert(1)</script>".to_owned())];
        let html = render(&settings(), &tracked, Some("Massage"));
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<b>glow"));
        assert!(!html.contains("1 Main St <script>"));
        assert!(html.contains("Demo &lt;Day&gt; &quot;Spa&quot;"));
        assert!(html.contains(
            "name=\"utm_source\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""
        ));
        assert!(!html.contains("javascript:alert"), "only https logos");
        assert!(html.contains("Rated 4.9 out of 5 from 312 reviews"));
        assert!(html.contains("We reply within 15 minutes"));
        assert!(html.contains("<option value=\"Massage\" selected>"));
        assert!(html.contains("action=\"../../public/demo/leads\""));
    }

    #[test]
    fn the_pixel_is_there_only_when_configured_and_never_the_token() {
        let mut s = settings();
        assert!(!render(&s, &[], None).contains("fbevents"));
        s.meta = Some(MetaSettings {
            pixel_id: "123456789012345".into(),
            access_token: "EAAB-secret-token".into(),
            test_event_code: None,
        });
        let html = render(&s, &[], None);
        assert!(html.contains("data-pixel=\"123456789012345\""));
        assert!(html.contains("fbevents.js"));
        assert!(!html.contains("EAAB-secret-token"));
        s.meta = Some(MetaSettings {
            pixel_id: "1\" onload=\"x".into(),
            access_token: "".into(),
            test_event_code: None,
        });
        assert!(
            !render(&s, &[], None).contains("fbevents"),
            "a malformed id is left out"
        );
    }

    #[test]
    fn the_page_stays_well_under_its_budget() {
        let tracked: Vec<(&str, String)> = TRACKED_PARAMS
            .iter()
            .map(|(n, max)| (*n, "x".repeat(*max)))
            .collect();
        let mut s = settings();
        s.meta = Some(MetaSettings {
            pixel_id: "1".into(),
            access_token: "t".into(),
            test_event_code: None,
        });
        let html = render(&s, &tracked, None);
        assert!(html.len() < MAX_PAGE_BYTES, "{} bytes", html.len());
    }
}
