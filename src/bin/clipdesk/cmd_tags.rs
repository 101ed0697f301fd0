//! `clipdesk tag|topic|actor|suggest|rule|retag`: the taxonomy and tagging from the command line.

use clap::{Args, Subcommand};
use clipdesk::tags::taxonomy::{ActorType, TagRef};
use clipdesk::{Error, Library};
use indicatif::ProgressBar;
use serde_json::json;

use crate::output::Out;
use crate::Status;

#[derive(Args)]
pub struct TagArgs {
    /// Clip ids
    ids: Vec<i64>,
    /// Tag every clip this query matches instead
    #[arg(long, conflicts_with = "ids")]
    query: Option<String>,
    /// Tags to add: topic:NAME (topic:A/B for a subtopic) or actor:NAME; unknown ones are created
    #[arg(long, value_name = "KIND:NAME")]
    add: Vec<String>,
    /// Tags to remove (automatic tagging will not put them back)
    #[arg(long, value_name = "KIND:NAME")]
    remove: Vec<String>,
}

#[derive(Subcommand)]
pub enum TopicCmd {
    /// Create a topic (A/B creates B under A)
    Add {
        path: String,
        /// A query: clips matching it are tagged automatically
        #[arg(long)]
        rule: Option<String>,
    },
    /// The topic tree with clip counts
    List,
    Rename {
        topic: String,
        new_name: String,
    },
    /// Move a topic under another (or to the top with --root)
    Move {
        topic: String,
        new_parent: Option<String>,
        #[arg(long, conflicts_with = "new_parent")]
        root: bool,
    },
    /// Merge FROM into INTO: clips, rules and subtopics move; FROM is deleted
    Merge {
        from: String,
        into: String,
    },
    Rm {
        topic: String,
    },
}

#[derive(Subcommand)]
pub enum ActorCmd {
    /// Create an actor
    Add {
        name: String,
        #[arg(long = "type", value_name = "person|organisation|state")]
        actor_type: Option<String>,
        #[arg(long = "alias", value_name = "ALIAS")]
        aliases: Vec<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Add or remove aliases
    Alias {
        actor: String,
        #[arg(long = "add", value_name = "ALIAS")]
        add: Vec<String>,
        #[arg(long = "remove", value_name = "ALIAS")]
        remove: Vec<String>,
    },
    Rename {
        actor: String,
        new_name: String,
    },
    /// Merge FROM into INTO: FROM's clips move to INTO and its name becomes an alias of INTO
    Merge {
        from: String,
        into: String,
    },
    /// Actors with aliases and clip counts
    List {
        #[arg(long = "type")]
        actor_type: Option<String>,
    },
    Rm {
        actor: String,
    },
}

#[derive(Args)]
pub struct SuggestArgs {
    id: i64,
    /// Accept a suggestion: create the actor if needed and tag the clip
    #[arg(long, value_name = "NAME")]
    accept: Vec<String>,
    /// With --accept: the actor's type
    #[arg(long = "type")]
    actor_type: Option<String>,
    /// Never suggest this name again
    #[arg(long, value_name = "NAME")]
    dismiss: Vec<String>,
}

#[derive(Subcommand)]
pub enum RuleCmd {
    /// Set a topic's rule; prints how many clips it matches and would tag
    Set {
        topic: String,
        query: String,
        /// Also tag the clips it matches now
        #[arg(long)]
        apply: bool,
    },
    /// How many clips a rule would match and tag, without storing it
    Preview {
        topic: String,
        query: String,
    },
    Clear {
        topic: String,
    },
    List,
}

pub fn tag(lib: &mut Library, args: TagArgs, out: &Out) -> clipdesk::Result<Status> {
    let add: Vec<TagRef> = args.add.iter().map(|t| TagRef::parse(t)).collect::<clipdesk::Result<_>>()?;
    let remove: Vec<TagRef> = args.remove.iter().map(|t| TagRef::parse(t)).collect::<clipdesk::Result<_>>()?;
    if add.is_empty() && remove.is_empty() {
        return Err(Error::input("input.no_tags", "nothing to do: give --add KIND:NAME or --remove KIND:NAME"));
    }
    let change = match &args.query {
        Some(q) => lib.tag_query(q, &add, &remove)?,
        None if args.ids.is_empty() => return Err(Error::input("input.no_clips", "give clip ids or --query QUERY")),
        None => lib.tag_clips(&args.ids, &add, &remove)?,
    };
    if out.json {
        out.json_line(&change);
    } else {
        out.line(&format!("{} clips: {} tags added, {} removed", change.clips, change.added, change.removed));
    }
    Ok(Status::Ok)
}

pub fn topic(lib: &mut Library, cmd: TopicCmd, out: &Out) -> clipdesk::Result<Status> {
    let t = |name: &str| TagRef { kind: clipdesk::model::TagKind::Topic, name: name.to_owned() };
    match cmd {
        TopicCmd::Add { path, rule } => {
            let id = lib.add_topic(&path, rule.as_deref())?;
            out.done(json!({"id": id, "path": path}), &format!("topic {path} ({id})"));
        }
        TopicCmd::List => {
            let topics = lib.topics()?;
            if out.json {
                out.json_line(&topics);
            } else {
                for topic in &topics {
                    let depth = topic.path.matches('/').count();
                    let rule = topic.rule.as_deref().map(|r| format!("  [rule: {r}]")).unwrap_or_default();
                    out.line(&format!("{:>6}  {}{}{rule}", topic.clips, "  ".repeat(depth), topic.name));
                }
            }
        }
        TopicCmd::Rename { topic, new_name } => {
            lib.rename_tag(&t(&topic), &new_name)?;
            out.done(json!({"renamed": topic, "to": new_name}), &format!("renamed {topic} to {new_name}"));
        }
        TopicCmd::Move { topic, new_parent, root } => {
            if new_parent.is_none() && !root {
                return Err(Error::input("input.move", "give the new parent topic, or --root"));
            }
            lib.move_topic(&topic, new_parent.as_deref())?;
            out.done(json!({"moved": topic, "under": new_parent}), &format!("moved {topic}"));
        }
        TopicCmd::Merge { from, into } => {
            lib.merge_tags(&t(&from), &t(&into))?;
            out.done(json!({"merged": from, "into": into}), &format!("merged {from} into {into}"));
        }
        TopicCmd::Rm { topic } => {
            lib.delete_tag(&t(&topic))?;
            out.done(json!({"deleted": topic}), &format!("deleted {topic}"));
        }
    }
    Ok(Status::Ok)
}

pub fn actor(lib: &mut Library, cmd: ActorCmd, out: &Out) -> clipdesk::Result<Status> {
    let a = |name: &str| TagRef { kind: clipdesk::model::TagKind::Actor, name: name.to_owned() };
    match cmd {
        ActorCmd::Add { name, actor_type, aliases, description } => {
            let actor_type = actor_type.as_deref().map(ActorType::parse).transpose()?;
            let id = lib.add_actor(&name, actor_type, &aliases, description.as_deref())?;
            out.done(json!({"id": id, "name": name}), &format!("actor {name} ({id})"));
        }
        ActorCmd::Alias { actor, add, remove } => {
            let id = lib.edit_aliases(&actor, &add, &remove)?;
            out.done(json!({"id": id, "added": add, "removed": remove}), &format!("aliases of {actor} updated"));
        }
        ActorCmd::Rename { actor, new_name } => {
            lib.rename_tag(&a(&actor), &new_name)?;
            out.done(json!({"renamed": actor, "to": new_name}), &format!("renamed {actor} to {new_name}"));
        }
        ActorCmd::Merge { from, into } => {
            lib.merge_tags(&a(&from), &a(&into))?;
            out.done(json!({"merged": from, "into": into}), &format!("merged {from} into {into}"));
        }
        ActorCmd::List { actor_type } => {
            let wanted = actor_type.as_deref().map(ActorType::parse).transpose()?;
            let actors: Vec<_> =
                lib.actors()?.into_iter().filter(|x| wanted.is_none() || x.actor_type == wanted).collect();
            if out.json {
                out.json_line(&actors);
            } else {
                for x in &actors {
                    let t = x.actor_type.map(ActorType::as_str).unwrap_or("-");
                    let aliases: Vec<&String> = x.aliases.iter().filter(|al| **al != x.name).take(6).collect();
                    out.line(&format!(
                        "{:>6}  {:<13} {}  {}",
                        x.clips,
                        t,
                        x.name,
                        aliases.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" · ")
                    ));
                }
            }
        }
        ActorCmd::Rm { actor } => {
            lib.delete_tag(&a(&actor))?;
            out.done(json!({"deleted": actor}), &format!("deleted {actor}"));
        }
    }
    Ok(Status::Ok)
}

pub fn suggest(lib: &mut Library, args: SuggestArgs, out: &Out) -> clipdesk::Result<Status> {
    let actor_type = args.actor_type.as_deref().map(ActorType::parse).transpose()?;
    for name in &args.dismiss {
        lib.dismiss_suggestion(name)?;
    }
    for name in &args.accept {
        // The suggestion's own type unless the analyst says otherwise.
        let suggested =
            lib.suggestions(args.id)?.into_iter().find(|s| s.name.eq_ignore_ascii_case(name)).map(|s| s.actor_type);
        lib.accept_suggestion(args.id, name, actor_type.or(suggested))?;
    }
    if !args.accept.is_empty() || !args.dismiss.is_empty() {
        out.done(json!({"accepted": args.accept, "dismissed": args.dismiss}), "done");
        return Ok(Status::Ok);
    }
    let suggestions = lib.suggestions(args.id)?;
    if out.json {
        out.json_line(&suggestions);
    } else {
        for s in &suggestions {
            let known = if s.known { "known" } else { "new" };
            out.line(&format!("{:>4}  {:<13} {:<6} {}", s.mentions, s.actor_type.as_str(), known, s.name));
        }
    }
    Ok(Status::Ok)
}

pub fn rule(lib: &mut Library, cmd: RuleCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        RuleCmd::Set { topic, query, apply } => {
            let (preview, added) = lib.set_rule(&topic, Some(&query), apply)?;
            out.done(
                json!({"topic": topic, "rule": query, "matching": preview.matching, "would_add": preview.would_add, "added": added}),
                &format!(
                    "rule set: matches {} clips, {} not yet tagged{}",
                    preview.matching,
                    preview.would_add,
                    if apply { format!("; tagged {added}") } else { " (use --apply or `clipdesk retag` to tag them)".into() }
                ),
            );
        }
        RuleCmd::Preview { topic, query } => {
            let preview = lib.preview_rule(&topic, &query)?;
            out.done(
                json!({"matching": preview.matching, "would_add": preview.would_add}),
                &format!("matches {} clips, would tag {}", preview.matching, preview.would_add),
            );
        }
        RuleCmd::Clear { topic } => {
            lib.set_rule(&topic, None, false)?;
            out.done(json!({"topic": topic, "rule": null}), &format!("rule of {topic} cleared"));
        }
        RuleCmd::List => {
            let rules: Vec<_> = lib.topics()?.into_iter().filter(|t| t.rule.is_some()).collect();
            if out.json {
                out.json_line(&rules.iter().map(|t| json!({"topic": t.path, "rule": t.rule})).collect::<Vec<_>>());
            } else {
                for t in rules {
                    out.line(&format!("{}: {}", t.path, t.rule.unwrap_or_default()));
                }
            }
        }
    }
    Ok(Status::Ok)
}

pub fn retag(lib: &mut Library, dry_run: bool, out: &Out) -> clipdesk::Result<Status> {
    let bar = ProgressBar::new(0);
    let report = lib.retag(dry_run, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let verb = if dry_run { "would add" } else { "added" };
    let verb2 = if dry_run { "would remove" } else { "removed" };
    out.done(
        json!(report),
        &format!("{} clips: {verb} {} tags, {verb2} {}", report.clips, report.added, report.removed),
    );
    Ok(Status::Ok)
}
