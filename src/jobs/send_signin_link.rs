//! Sends a requested sign-in link. The request only queues this job, the same for every
//! address; the job finds out whether an active account has it.

use async_trait::async_trait;

use super::{ClaimedJob, JobHandler, JobSpec};
use crate::{app::App, domain::user::Email, services::signin};

/// A relay that is down gets a few tries; the link is only good for 10 minutes anyway.
pub const SEND_SIGNIN_LINK: JobSpec = JobSpec {
    kind: "signin.link",
    max_attempts: 4,
};

/// Mails the link of one request.
pub struct SendSigninLink;

#[async_trait]
impl JobHandler for SendSigninLink {
    fn spec(&self) -> JobSpec {
        SEND_SIGNIN_LINK
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        let raw = job.payload["email"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("the job has no email"))?;
        let email = Email::parse(raw).map_err(|error| anyhow::anyhow!("{error}"))?;
        signin::deliver_requested_link(&app.db, app.mailer.as_ref(), &app.settings, &email).await?;
        Ok(())
    }
}
