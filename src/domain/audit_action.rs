//! What an audit entry records: one closed set of actions, each with its stored code (the
//! API's contract, `work_item.create`) and the words the audit page says ("created an item").

use super::stored_enum::stored_enum;

stored_enum!(
    /// One kind of audited action.
    AuditAction, "action" {
        AccessDenied => "access.denied",
        CadenceCreate => "cadence.create",
        CadenceDelete => "cadence.delete",
        CadenceUpdate => "cadence.update",
        CalendarFeedCreate => "calendar_feed.create",
        CalendarFeedRevoke => "calendar_feed.revoke",
        CommentCreate => "comment.create",
        CommentDelete => "comment.delete",
        CommentUpdate => "comment.update",
        EventConvert => "event.convert",
        EventDismiss => "event.dismiss",
        EventRetry => "event.retry",
        GhlEventQueue => "ghl_event.queue",
        IntegrationRuleCreate => "integration_rule.create",
        IntegrationRuleDelete => "integration_rule.delete",
        IntegrationRuleUpdate => "integration_rule.update",
        MessageCreate => "message.create",
        NotificationEmailFailed => "notification.email_failed",
        NotificationPreferencesUpdate => "notification_preferences.update",
        RateLimitHit => "ratelimit.hit",
        ReauthFailure => "reauth.failure",
        ReauthLinkSent => "reauth.link_sent",
        ReauthSuccess => "reauth.success",
        SigninFailure => "signin.failure",
        SigninSuccess => "signin.success",
        Signout => "signout",
        SubtaskCreate => "subtask.create",
        SubtaskDelete => "subtask.delete",
        SubtaskUpdate => "subtask.update",
        TemplateCreate => "template.create",
        TemplateDelete => "template.delete",
        TemplateUpdate => "template.update",
        TokenCreate => "token.create",
        TokenRevoke => "token.revoke",
        UserDeactivate => "user.deactivate",
        UserInvite => "user.invite",
        UserPasswordChange => "user.password_change",
        UserReactivate => "user.reactivate",
        UserRoleChange => "user.role_change",
        UserSessionsEnd => "user.sessions_end",
        UserTimeZone => "user.time_zone",
        WebhookRejected => "webhook.rejected",
        WorkItemCreate => "work_item.create",
        WorkItemDelete => "work_item.delete",
        WorkItemDue => "work_item.due",
        WorkItemFields => "work_item.fields",
        WorkItemOwner => "work_item.owner",
        WorkItemQc => "work_item.qc",
        WorkItemStatus => "work_item.status",
        WorkItemUpdate => "work_item.update",
        WorkItemWaiting => "work_item.waiting",
    }
);

impl AuditAction {
    /// What the actor did, as the audit page says it after their name.
    pub fn label(self) -> &'static str {
        use AuditAction::*;
        match self {
            AccessDenied => "was refused access",
            CadenceCreate => "created a cadence",
            CadenceDelete => "deleted a cadence",
            CadenceUpdate => "changed a cadence",
            CalendarFeedCreate => "created a calendar feed",
            CalendarFeedRevoke => "revoked a calendar feed",
            CommentCreate => "commented",
            CommentDelete => "deleted a comment",
            CommentUpdate => "edited a comment",
            EventConvert => "turned an event into an item",
            EventDismiss => "dismissed an event",
            EventRetry => "retried an event",
            GhlEventQueue => "queued a message for HighLevel",
            IntegrationRuleCreate => "created an integration rule",
            IntegrationRuleDelete => "deleted an integration rule",
            IntegrationRuleUpdate => "changed an integration rule",
            MessageCreate => "sent a message",
            NotificationEmailFailed => "could not be emailed a notification",
            NotificationPreferencesUpdate => "changed email notifications",
            RateLimitHit => "hit a rate limit",
            ReauthFailure => "failed to confirm it was them",
            ReauthLinkSent => "was sent a confirmation link",
            ReauthSuccess => "confirmed it was them",
            SigninFailure => "failed to sign in",
            SigninSuccess => "signed in",
            Signout => "signed out",
            SubtaskCreate => "added a subtask",
            SubtaskDelete => "deleted a subtask",
            SubtaskUpdate => "changed a subtask",
            TemplateCreate => "created a template",
            TemplateDelete => "deleted a template",
            TemplateUpdate => "changed a template",
            TokenCreate => "created an API token",
            TokenRevoke => "revoked an API token",
            UserDeactivate => "deactivated a person",
            UserInvite => "invited a person",
            UserPasswordChange => "changed a password",
            UserReactivate => "reactivated a person",
            UserRoleChange => "changed a person's role",
            UserSessionsEnd => "signed a person out everywhere",
            UserTimeZone => "changed a time zone",
            WebhookRejected => "had a webhook refused",
            WorkItemCreate => "created an item",
            WorkItemDelete => "deleted an item",
            WorkItemDue => "changed the due date",
            WorkItemFields => "changed an item",
            WorkItemOwner => "changed the owner",
            WorkItemQc => "changed proofing",
            WorkItemStatus => "changed the status",
            WorkItemUpdate => "changed an item",
            WorkItemWaiting => "changed who the item waits on",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_action_has_its_own_words_and_its_code_reads_back() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(*action));
            assert!(!action.label().contains(['.', '_']), "{action}");
        }
        assert_eq!(AuditAction::WorkItemCreate.label(), "created an item");
        // Two codes may share words only where they mean the same thing to a reader.
        let words: HashSet<&str> = AuditAction::ALL.iter().map(|a| a.label()).collect();
        assert_eq!(words.len(), AuditAction::ALL.len() - 1);
    }
}
