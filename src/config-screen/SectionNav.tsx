import { useEffect, useState } from "react";
import { revealElement } from "./reveal";
import { CONFIG_SECTIONS, sectionAnchorId, type ConfigSectionId } from "./sections";
import { problemsBySection, type InstallationValidation } from "./validation";

/** How far below the top of the window a section's top may be and still count as the one being read. */
const READING_LINE = 0.3;

/**
 * The section being read: the last whose top has passed the reading line. At the bottom of the page, where the
 * last short sections can never reach that line, the one picked in the navigation stays marked.
 */
function useCurrentSection(picked: ConfigSectionId | null): ConfigSectionId {
  const [current, setCurrent] = useState<ConfigSectionId>(CONFIG_SECTIONS[0].id);
  useEffect(() => {
    const update = () => {
      const line = window.innerHeight * READING_LINE;
      let reading: ConfigSectionId = CONFIG_SECTIONS[0].id;
      for (const section of CONFIG_SECTIONS) {
        const anchor = document.getElementById(sectionAnchorId(section.id));
        if (anchor && anchor.getBoundingClientRect().top <= line) reading = section.id;
      }
      const atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      const pickedAnchor = picked && document.getElementById(sectionAnchorId(picked));
      const pickedInView = pickedAnchor && pickedAnchor.getBoundingClientRect().top < window.innerHeight;
      setCurrent(atBottom && picked && pickedInView ? picked : reading);
    };
    update();
    window.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    return () => {
      window.removeEventListener("scroll", update);
      window.removeEventListener("resize", update);
    };
  }, [picked]);
  return current;
}

/** The config screen's table of contents: links that scroll to each section, the current one marked. */
export function SectionNav({ validation }: { validation: InstallationValidation }) {
  const [picked, setPicked] = useState<ConfigSectionId | null>(null);
  const current = useCurrentSection(picked);
  const problems = problemsBySection(validation);
  return (
    <nav className="section-nav" aria-label="Configuration sections" data-test-id="section-nav">
      <ul>
        {CONFIG_SECTIONS.map(({ id, title }) => {
          const count = problems.get(id) ?? 0;
          return (
            <li key={id}>
              <a
                href={`#${sectionAnchorId(id)}`}
                aria-current={current === id ? "location" : undefined}
                className={current === id ? "section-nav__link section-nav__link--current" : "section-nav__link"}
                data-test-id={`section-nav-${id}`}
                onClick={(event) => {
                  event.preventDefault();
                  setPicked(id);
                  revealElement(sectionAnchorId(id), { block: "start" });
                }}
              >
                {title}
                {count > 0 && (
                  <span className="section-nav__problems" data-test-id={`section-nav-${id}-problems`}>
                    {count} {count === 1 ? "problem" : "problems"}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
