//! Results of a questionnaire, computed from counts the database groups:
//! counts and shares per option, mean and spread of scales, texts for staff.
use serde::Serialize;
use uuid::Uuid;

/// One question as asked, with its options in order.
#[derive(Debug, Clone)]
pub struct AskedFor {
    pub id: Uuid,
    pub kind: String,
    pub label: String,
    pub options: Vec<(Uuid, String)>,
}

/// Counts the database grouped for one consultation.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    /// (question, option, answers).
    pub options: Vec<(Uuid, Uuid, i64)>,
    /// (question, value, answers).
    pub values: Vec<(Uuid, i32, i64)>,
    /// (question, responses that answered it).
    pub answered: Vec<(Uuid, i64)>,
}

/// An option's count and share of those who answered the question.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OptionResult {
    pub id: Uuid,
    pub label: String,
    pub count: i64,
    /// Percent of the question's respondents, one decimal; choices of a
    /// multiple-choice question may add up to more than 100.
    pub percent: f64,
}

/// How many gave each value of a scale.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ValueCount {
    pub value: i32,
    pub count: i64,
}

/// The results of one question.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub id: Uuid,
    pub kind: String,
    pub label: String,
    /// Responses that answered this question.
    pub answered: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionResult>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Vec<ValueCount>>,
    /// Free-text answers: staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub texts: Option<Vec<String>>,
}

fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The results of each question, in order.
pub fn aggregate(questions: &[AskedFor], tallies: &Tallies) -> Vec<QuestionResult> {
    questions
        .iter()
        .map(|q| {
            let answered = tallies.answered.iter().find(|(id, _)| *id == q.id).map_or(0, |(_, n)| *n);
            let share = |count: i64| {
                if answered == 0 { 0.0 } else { one_decimal(count as f64 * 100.0 / answered as f64) }
            };
            let mut result = QuestionResult {
                id: q.id,
                kind: q.kind.clone(),
                label: q.label.clone(),
                answered,
                options: None,
                mean: None,
                distribution: None,
                texts: None,
            };
            match q.kind.as_str() {
                "single_choice" | "multiple_choice" => {
                    let options = q.options.iter().map(|(id, label)| {
                        let count = tallies
                            .options
                            .iter()
                            .find(|(qid, oid, _)| *qid == q.id && oid == id)
                            .map_or(0, |(_, _, n)| *n);
                        OptionResult { id: *id, label: label.clone(), count, percent: share(count) }
                    });
                    result.options = Some(options.collect());
                }
                "scale" => {
                    let mut distribution: Vec<ValueCount> = tallies
                        .values
                        .iter()
                        .filter(|(qid, _, _)| *qid == q.id)
                        .map(|(_, value, count)| ValueCount { value: *value, count: *count })
                        .collect();
                    distribution.sort_by_key(|v| v.value);
                    let (sum, n) = distribution
                        .iter()
                        .fold((0i64, 0i64), |(sum, n), v| (sum + i64::from(v.value) * v.count, n + v.count));
                    result.mean = (n > 0).then(|| (sum as f64 / n as f64 * 100.0).round() / 100.0);
                    result.distribution = Some(distribution);
                }
                _ => {}
            }
            result
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_means_and_distributions() {
        let (q1, q2, q3) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let questions = vec![
            AskedFor {
                id: q1,
                kind: "multiple_choice".into(),
                label: "Quels jours ?".into(),
                options: vec![(a, "Lundi".into()), (b, "Mardi".into()), (c, "Jeudi".into())],
            },
            AskedFor { id: q2, kind: "scale".into(), label: "Note".into(), options: vec![] },
            AskedFor { id: q3, kind: "text".into(), label: "Remarques".into(), options: vec![] },
        ];
        let tallies = Tallies {
            options: vec![(q1, a, 2), (q1, b, 3)],
            values: vec![(q2, 5, 1), (q2, 1, 2)],
            answered: vec![(q1, 3), (q2, 3)],
        };
        let r = aggregate(&questions, &tallies);
        let options = r[0].options.as_ref().unwrap();
        assert_eq!(
            options.iter().map(|o| (o.count, o.percent)).collect::<Vec<_>>(),
            [(2, 66.7), (3, 100.0), (0, 0.0)]
        );
        assert_eq!(r[1].mean, Some(2.33));
        assert_eq!(r[1].distribution.as_ref().unwrap()[0], ValueCount { value: 1, count: 2 });
        assert_eq!((r[2].answered, r[2].options.is_none(), r[2].mean), (0, true, None));
    }
}
