//! An SDK client made on first use (the AWS adapters' clients that most functions never
//! call).

use aws_config::SdkConfig;

/// An SDK client made on first use: most functions never publish or queue anything, and a
/// client costs a tenth of a millisecond of init each (issue 16: init ≤ 2× hello-world).
#[derive(Clone)]
pub struct LazyClient<C>(std::sync::Arc<Source<C>>);

enum Source<C> {
    Ready(C),
    OnFirstUse {
        sdk: Box<SdkConfig>,
        make: fn(&SdkConfig) -> C,
        client: std::sync::OnceLock<C>,
    },
}

impl<C> LazyClient<C> {
    /// A client made from `sdk` by `make` when first asked for.
    pub fn on_first_use(sdk: &SdkConfig, make: fn(&SdkConfig) -> C) -> Self {
        Self(std::sync::Arc::new(Source::OnFirstUse {
            sdk: Box::new(sdk.clone()),
            make,
            client: std::sync::OnceLock::new(),
        }))
    }

    /// A client made already.
    pub fn ready(client: C) -> Self {
        Self(std::sync::Arc::new(Source::Ready(client)))
    }

    pub fn get(&self) -> &C {
        match self.0.as_ref() {
            Source::Ready(client) => client,
            Source::OnFirstUse { sdk, make, client } => client.get_or_init(|| make(sdk)),
        }
    }
}

impl<C> std::fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = match self.0.as_ref() {
            Source::Ready(_) => true,
            Source::OnFirstUse { client, .. } => client.get().is_some(),
        };
        f.debug_struct("LazyClient").field("made", &made).finish()
    }
}
