//! A tower layer for a stage that decides before the inner service runs
//! and may add to the response after: most stages of the pipeline (request
//! id, metrics, host, CORS, authentication, rate limits, body limits) are
//! such checks. A check costs no allocation and no clone of the inner
//! service per request — every request, tiles included, passes them all.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

/// One stage: `before` may answer the request itself (a refusal, boxed:
/// refusals are rare and a response is large); what it returns otherwise
/// is handed to `after` with the inner response.
pub trait Check: Clone + Send + Sync + 'static {
    type Ticket: Send + 'static;
    fn before(&self, req: &mut Request) -> Result<Self::Ticket, Box<Response>>;
    fn after(&self, _ticket: Self::Ticket, _res: &mut Response) {}
}

#[derive(Clone)]
pub struct CheckLayer<C>(pub C);

impl<C: Clone, S> Layer<S> for CheckLayer<C> {
    type Service = CheckService<C, S>;
    fn layer(&self, inner: S) -> Self::Service {
        CheckService {
            check: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct CheckService<C, S> {
    check: C,
    inner: S,
}

impl<C, S> Service<Request> for CheckService<C, S>
where
    C: Check,
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CheckFuture<C, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        match self.check.before(&mut req) {
            Ok(ticket) => CheckFuture {
                state: Some((self.check.clone(), ticket)),
                refused: None,
                inner: Some(self.inner.call(req)),
            },
            Err(res) => CheckFuture {
                state: None,
                refused: Some(*res),
                inner: None,
            },
        }
    }
}

pin_project! {
    pub struct CheckFuture<C: Check, F> {
        state: Option<(C, C::Ticket)>,
        refused: Option<Response>,
        #[pin]
        inner: Option<F>,
    }
}

impl<C, F> Future for CheckFuture<C, F>
where
    C: Check,
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(res) = this.refused.take() {
            return Poll::Ready(Ok(res));
        }
        match this.inner.as_pin_mut() {
            Some(inner) => match inner.poll(cx) {
                Poll::Ready(Ok(mut res)) => {
                    if let Some((check, ticket)) = this.state.take() {
                        check.after(ticket, &mut res);
                    }
                    Poll::Ready(Ok(res))
                }
                Poll::Ready(Err(e)) => match e {},
                Poll::Pending => Poll::Pending,
            },
            // Polled again after it finished: nothing is left to give.
            None => Poll::Pending,
        }
    }
}
