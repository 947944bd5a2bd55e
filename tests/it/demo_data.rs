//! The demo data: what it contains, and that loading it twice changes nothing.

use chrono::{TimeDelta, Utc};
use ops_desktop::{
    db::entities::{subtask, template, user, work_item},
    services::demo::{self, SeedOutcome},
};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase},
};

async fn demo_data_covers_the_product_and_loads_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();

    let first = demo::seed(&db, crate::support::personas::PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        first,
        SeedOutcome::Seeded {
            users: 4,
            items: 8,
            subtasks: 29,
            templates: 3
        }
    );
    let users = user::Entity::find().all(db.conn()).await.unwrap();
    assert_eq!(users.iter().filter(|u| u.role == "ADMIN").count(), 1);
    assert_eq!(users.iter().filter(|u| u.role == "STAFF").count(), 3);
    for person in &users {
        let hash = person
            .password_hash
            .as_deref()
            .expect("demo users have a password");
        assert!(ops_desktop::auth::passwords::verify_password(
            crate::support::personas::PASSWORD,
            hash
        ));
    }

    let items = work_item::Entity::find().all(db.conn()).await.unwrap();
    assert_eq!(items.len(), 8);
    let distinct = |f: fn(&work_item::Model) -> Option<String>| {
        let mut values: Vec<_> = items.iter().filter_map(f).collect();
        values.sort();
        values.dedup();
        values.len()
    };
    assert!(
        distinct(|i| Some(i.status.to_string())) >= 5,
        "several statuses"
    );
    assert_eq!(distinct(|i| Some(i.item_type.to_string())), 4, "every type");
    assert!(
        distinct(|i| i.deliverable_type.map(|d| d.to_string())) >= 6,
        "many deliverable types"
    );
    assert!(
        items
            .iter()
            .filter(|i| i.waiting_on_user_id.is_some())
            .count()
            >= 2
    );
    assert!(
        items
            .iter()
            .all(|i| i.waiting_on_user_id.is_some() == i.waiting_since.is_some())
    );
    assert!(
        items
            .iter()
            .filter(|i| i.needs_proofing && i.proof_status.map(|p| p.as_str()) == Some("PENDING"))
            .count()
            >= 2
    );
    let horizon = Utc::now() + TimeDelta::days(14);
    assert!(items.iter().all(|i| {
        i.due_at
            .is_some_and(|d| d > Utc::now() - TimeDelta::days(1) && d <= horizon)
    }));
    let done = items.iter().find(|i| i.status.as_str() == "DONE").unwrap();
    assert!(done.completed_at.is_some());
    assert_eq!(subtask::Entity::find().count(db.conn()).await.unwrap(), 29);
    assert_eq!(template::Entity::find().count(db.conn()).await.unwrap(), 3);

    assert_eq!(
        demo::seed(&db, crate::support::personas::PASSWORD)
            .await
            .unwrap(),
        SeedOutcome::AlreadySeeded
    );
    assert_eq!(work_item::Entity::find().count(db.conn()).await.unwrap(), 8);
    assert_eq!(user::Entity::find().count(db.conn()).await.unwrap(), 4);
    assert_eq!(subtask::Entity::find().count(db.conn()).await.unwrap(), 29);
    db.close().await.unwrap();
}

on_both_backends!(demo_data_covers_the_product_and_loads_once);
