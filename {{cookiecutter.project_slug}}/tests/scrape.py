"""Read `/metrics` as Prometheus does: parse the text exposition, look samples up by labels."""

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from {{ cookiecutter.package_name }}.metrics import exposition


@dataclass(frozen=True)
class Scrape:
    samples: list[Sample]

    @classmethod
    def parse(cls, text: str) -> "Scrape":
        families = text_string_to_metric_families(text)
        return cls([sample for family in families for sample in family.samples])

    def find(self, name: str, **labels: str) -> Sample | None:
        """The sample with exactly this name and these labels, if the scrape has it."""
        for sample in self.samples:
            if sample.name == name and sample.labels == labels:
                return sample
        return None

    def value(self, name: str, **labels: str) -> float:
        sample = self.find(name, **labels)
        assert sample is not None, f"no {name}{labels} in the scrape"
        return sample.value

    def count(self, name: str, **labels: str) -> float:
        """A counter's value; 0 when the series does not exist yet."""
        sample = self.find(name, **labels)
        return sample.value if sample is not None else 0.0

    def growth(self, since: "Scrape", name: str, **labels: str) -> float:
        """How much a counter grew from the `since` scrape to this one."""
        return self.count(name, **labels) - since.count(name, **labels)

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.samples if s.name == name and label in s.labels}


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return Scrape.parse(response.text)


def this_process() -> Scrape:
    """What `/metrics` would serve now, for tests that run no app."""
    return Scrape.parse(exposition().decode())
