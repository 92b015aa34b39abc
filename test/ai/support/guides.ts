/**
 * A small docs repository written by the tests into a temp folder: a Russian guide (with
 * guide.json) and an English one (with front matter), and a second edition of the Russian
 * guide with one paragraph edited, one added and one removed.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const RU_BOUNDARIES = `# Границы системы

Граница системы отделяет то, что входит в систему, от её окружения. Проводя границу, мы решаем, какие части, связи и функции рассматривать как внутренние, а какие как внешние.

Граница проводится по функции, а не по физическому корпусу: часть, которая работает на функцию системы во время её работы, лежит внутри границы, даже если она находится далеко.

## Внешние и внутренние системы

Надсистема — это система, в которую наша система входит как часть. Окружение — системы, с которыми наша система взаимодействует через границу, не входя в них.

Ошибка новичка — путать систему в разработке с системой в эксплуатации: граница у них разная, и об этом надо договориться с коллегами.
`;

export const RU_ROLES = `# Роли и заинтересованные стороны

Проектная роль — это функциональное место в деятельности, которое занимает агент. Один человек может исполнять несколько ролей, и одну роль могут исполнять несколько людей.

Внешние проектные роли — заинтересованные стороны — имеют интересы в системе: пользователь, заказчик, регулятор. Их интересы нужно выявить и учесть в требованиях.

## Жизненный цикл

Жизненный цикл системы описывает практики, через которые проходит система: от замысла и разработки до изготовления, эксплуатации и вывода из эксплуатации.

Практики жизненного цикла не обязательно идут по порядку: современная инженерия ведёт их параллельно и многократно, как в итеративной разработке.
`;

export const EN_INDEX = `---
slug: modeling-en
title: Modeling for engineers
language: en
edition: 1.0
---
# Models

A model is a simplified description of a system that keeps what matters for a question and leaves out the rest. Every model is made for a purpose, and a model without a purpose cannot be judged.

Abstraction means choosing which properties of the system to keep in the model. A good abstraction hides detail that does not change the answer to the question.
`;

export const EN_DYNAMICS = `# Feedback loops

A feedback loop exists when the output of a process comes back to change its own input. A reinforcing loop amplifies change, like compound interest; a balancing loop pushes the system towards a goal, like a thermostat.

Delays in a balancing loop cause oscillation: by the time the correction arrives, the situation has already changed, so the system overshoots its goal again and again.

# Stocks and flows

A stock is an accumulation that you can count at a moment in time, like water in a bathtub or money in an account. Flows are the rates that fill or drain a stock over time.

Stocks change only through flows, which is why they give a system inertia and memory: a stock changes slowly even when its flows change quickly.

# Validation

Validating a model means checking that it is good enough for its purpose, by comparing its predictions with observations the model was not built from.
`;

/** Second edition: one paragraph edited, one added, one removed (in the boundaries chapter). */
export const RU_BOUNDARIES_V2 = `# Границы системы

Граница системы отделяет то, что входит в систему, от её окружения. Проводя границу, мы решаем, какие части, связи и функции считать внутренними, а какие — внешними для нашей системы.

Граница проводится по функции, а не по физическому корпусу: часть, которая работает на функцию системы во время её работы, лежит внутри границы, даже если она находится далеко.

Хороший способ проверить границу — спросить, что изменится в работе системы, если убрать эту часть. Если функция пострадает, часть лежит внутри границы.

## Внешние и внутренние системы

Надсистема — это система, в которую наша система входит как часть. Окружение — системы, с которыми наша система взаимодействует через границу, не входя в них.
`;

export interface GuideRepo {
  root: string;
  writeEdition(edition: 1 | 2): Promise<void>;
  remove(): Promise<void>;
}

async function put(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

export async function createGuideRepo(): Promise<GuideRepo> {
  const root = await mkdtemp(path.join(tmpdir(), 'ai-guides-'));
  const repo: GuideRepo = {
    root,
    async writeEdition(edition) {
      await put(path.join(root, 'systems-ru', 'guide.json'), JSON.stringify({
        slug: 'systems-ru', title: 'Системное мышление', language: 'ru', edition: edition === 1 ? '2024.1' : '2024.2',
      }));
      await put(path.join(root, 'systems-ru', '01-granitsy.md'), edition === 1 ? RU_BOUNDARIES : RU_BOUNDARIES_V2);
      await put(path.join(root, 'systems-ru', '02-roli.md'), RU_ROLES);
      await put(path.join(root, 'modeling-en', 'index.md'), EN_INDEX);
      await put(path.join(root, 'modeling-en', '02-dynamics.md'), EN_DYNAMICS);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  await repo.writeEdition(1);
  return repo;
}

/** Questions with the section that answers them (a slug of its heading), for recall@5. */
export const LABELLED_QUESTIONS: { q: string; guide: string; section: string }[] = [
  { q: 'Как провести границу системы?', guide: 'systems-ru', section: 'границы-системы' },
  { q: 'Чем надсистема отличается от окружения?', guide: 'systems-ru', section: 'внешние-и-внутренние-системы' },
  { q: 'Может ли один человек исполнять несколько ролей?', guide: 'systems-ru', section: 'роли-и-заинтересованные-стороны' },
  { q: 'Кто такие заинтересованные стороны и их интересы?', guide: 'systems-ru', section: 'роли-и-заинтересованные-стороны' },
  { q: 'Какие практики входят в жизненный цикл системы?', guide: 'systems-ru', section: 'жизненный-цикл' },
  { q: 'Почему граница проводится по функции, а не по корпусу?', guide: 'systems-ru', section: 'границы-системы' },
  { q: 'What is a model and why does it need a purpose?', guide: 'modeling-en', section: 'models' },
  { q: 'What does abstraction hide?', guide: 'modeling-en', section: 'models' },
  { q: 'Why do delays cause oscillation in balancing loops?', guide: 'modeling-en', section: 'feedback-loops' },
  { q: 'What is the difference between a reinforcing and a balancing loop?', guide: 'modeling-en', section: 'feedback-loops' },
  { q: 'How do stocks change over time?', guide: 'modeling-en', section: 'stocks-and-flows' },
  { q: 'How do you validate a model against observations?', guide: 'modeling-en', section: 'validation' },
];
